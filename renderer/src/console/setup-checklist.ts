import type { Tab } from './console-store.ts';
import type { EventState } from './event-docs.ts';

/**
 * The first-event checklist: what is left to set up, worked out from the event's own documents (never from
 * what the console remembers having done), in the order each step needs the one before: brands → locations →
 * catalog → paired tills → stock received → stock transferred to the booths.
 */
export interface ChecklistStep {
  id: 'brands' | 'locations' | 'catalog' | 'tills' | 'receive' | 'transfer';
  title: string;
  /** What is there now, or what is missing. */
  detail: string;
  done: boolean;
  /** Where it is done: the tab and the card's accessible name. */
  tab: Tab;
  card: string;
}

export function setupChecklist(state: EventState): ChecklistStep[] {
  const booths = state.locations.filter((l) => l.kind === 'booth');
  const products = [...state.byBrand.values()].reduce((n, b) => n + b.products.size, 0);
  const entries = [...state.byBrand.values()].flatMap((b) => b.entries);
  const received = entries.filter((e) => e.kind === 'receive').reduce((n, e) => n + e.qty, 0);
  const toTills = entries.filter((e) => e.kind === 'transfer' && e.to?.startsWith('till:')).reduce((n, e) => n + e.qty, 0);
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  return [
    { id: 'brands', title: 'Add the brands', detail: state.brands.length ? n(state.brands.length, 'brand') : 'no brand yet', done: state.brands.length > 0, tab: 'setup', card: 'Brands' },
    {
      id: 'locations',
      title: 'Add the booths (and any hub)',
      detail: booths.length ? `${n(booths.length, 'booth')}, ${n(state.locations.length, 'location')} in all` : 'no booth yet: a till stands at a booth',
      done: booths.length > 0,
      tab: 'setup',
      card: 'Locations',
    },
    { id: 'catalog', title: 'Import the catalog', detail: products ? n(products, 'product') : 'no product yet', done: products > 0, tab: 'setup', card: 'Catalog' },
    { id: 'tills', title: 'Pair the tills', detail: state.tills.length ? `${n(state.tills.length, 'till')} paired` : 'no till paired yet', done: state.tills.length > 0, tab: 'setup', card: 'Tills' },
    { id: 'receive', title: 'Receive the stock', detail: received ? `${n(received, 'unit')} received` : 'nothing received yet', done: received > 0, tab: 'stock', card: 'Move stock' },
    { id: 'transfer', title: 'Send stock to the tills', detail: toTills ? `${n(toTills, 'unit')} sent to tills` : 'no till holds stock from a transfer yet', done: toTills > 0, tab: 'stock', card: 'Move stock' },
  ];
}
