import { create } from 'zustand';
import { toTagged } from '../../../core/base/errors.ts';
import { parseEmailAddress } from '../../../core/customers/email-address.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { MailOutbox, type QueuedReceipt } from '../store/mail-outbox.ts';
import { drainMailOutbox } from '../sync/receipt-mail-sender.ts';
import { usePos } from './pos-store.ts';

/**
 * E-mail receipts on the till: queued durably (store/mail-outbox.ts), sent by the server when the till is
 * online. The queue drains when sync comes online, when a receipt is queued, and every 20 s while something
 * waits (a sale the server has not acknowledged yet is answered 409 and asked again).
 */
export interface MailState {
  outbox: MailOutbox | undefined;
  /** Every queued or failed receipt, oldest first. */
  rows: QueuedReceipt[];
  /** Receipt numbers the server confirmed in this session (for the "E-mailed" note). */
  sent: string[];
  draining: boolean;
}

export const useMail = create<MailState>(() => ({ outbox: undefined, rows: [], sent: [], draining: false }));

const RETRY_MS = 20_000;
let stop: (() => void) | undefined;

/** Opens the queue next to the till's database; called by startPos. */
export async function startMail(opts: { dbName: string; indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange }): Promise<void> {
  const outbox = await MailOutbox.open(opts);
  useMail.setState({ outbox });
  await refresh();
  const unsubscribe = usePos.subscribe((s, before) => {
    if (s.sync?.state === 'online' && before.sync?.state !== 'online') void drain();
  });
  const timer = setInterval(() => {
    if (useMail.getState().rows.some((r) => r.state === 'queued')) void drain();
  }, RETRY_MS);
  stop = () => {
    unsubscribe();
    clearInterval(timer);
    outbox.close();
  };
  void drain();
}

export function stopMail(): void {
  stop?.();
  stop = undefined;
  useMail.setState(useMail.getInitialState(), true);
}

async function refresh(): Promise<void> {
  const outbox = useMail.getState().outbox;
  if (outbox) useMail.setState({ rows: await outbox.all() });
}

/** Sends what is queued, if this till has a server; one drain at a time. */
export async function drain(): Promise<void> {
  const { outbox, draining } = useMail.getState();
  const p = usePos.getState().store?.profile;
  if (!outbox || draining || !p?.serverUrl || !p.token) return;
  useMail.setState({ draining: true });
  try {
    const result = await drainMailOutbox(outbox, { serverUrl: p.serverUrl, token: p.token, eventId: p.eventId });
    if (result.sent.length) useMail.setState((s) => ({ sent: [...s.sent, ...result.sent] }));
  } finally {
    useMail.setState({ draining: false });
    await refresh();
  }
}

/**
 * Queues the receipt of a completed sale for `to`. The address is checked here with the server's own rule
 * (core/customers/email-address.ts), so a typo is caught at the counter, not after the customer left.
 * Throws what is wrong; the screen shows it.
 */
export async function emailReceipt(sales: readonly Sale[], to: string): Promise<void> {
  const outbox = useMail.getState().outbox;
  if (!outbox || sales.length === 0) throw new Error('the e-mail queue is not open');
  const address = parseEmailAddress(to);
  const first = sales[0]!;
  await outbox.enqueue({ checkoutId: first.checkoutId, receiptNumber: first.receiptNumber, sales: sales.map((s) => ({ brandId: s.brandId, saleId: s.id })), to: address, queuedAt: Date.now() });
  useMail.setState((s) => ({ sent: s.sent.filter((n) => n !== first.receiptNumber) }));
  await refresh();
  void drain().catch((err: unknown) => console.error('e-mail receipts:', toTagged(err).message));
}

/** The cashier read a failure: forget it. */
export async function dismissMailFailure(checkoutId: string): Promise<void> {
  await useMail.getState().outbox?.done(checkoutId);
  await refresh();
}
