import { cleanup } from '@testing-library/react';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { DEMO_PRODUCTS } from '../../../core/event/demo-event.ts';
import { formatMoney } from '../../../core/base/money.ts';
import type { Product } from '../../../core/catalog/catalog.ts';
import { useDay } from '../app/day-store.ts';
import { useParked } from '../app/kept-carts.ts';
import { startPos, startStandAlone, stopPos, usePos } from '../app/pos-store.ts';
import type { LocalStore } from '../store/local-store.ts';

/**
 * Component tests' world: a real LocalStore on its own fake-indexeddb (a new factory per test), opened
 * through the till's own start (startPos) and set up stand-alone with the demo event, as a cashier would.
 * `closeTill` puts both zustand stores back to their initial state so no test sees another's.
 */
export async function openTill(opts: { standAlone?: boolean } = {}): Promise<LocalStore> {
  measureTextWithoutCanvas();
  await startPos({ dbName: 'till', indexedDB: new IDBFactory(), IDBKeyRange });
  if (usePos.getState().phase === 'error') throw new Error(usePos.getState().message?.text);
  if (opts.standAlone !== false) await startStandAlone();
  return usePos.getState().store!;
}

export function closeTill(): void {
  cleanup();
  stopPos();
  usePos.setState(usePos.getInitialState(), true);
  useDay.setState(useDay.getInitialState(), true);
  useParked.setState(useParked.getInitialState(), true);
}

export const demoProduct = (sku: string): Product => {
  const p = DEMO_PRODUCTS.find((x) => x.sku === sku);
  if (!p) throw new Error(`no demo product ${sku}`);
  return p;
};

export const barcode = (sku: string): string => demoProduct(sku).barcodes[0]!;

/** The demo event's money format (euros, en-IE): what the screens print. */
export const euros = (minor: number): string => formatMoney(minor, 'EUR', 'en-IE');

/**
 * happy-dom has no canvas, and the receipt's barcode (jsbarcode) measures its caption on a 2D context: give
 * it one that measures 0.6 em a character, as a monospace font would. Browsers and Electron have canvas.
 */
function measureTextWithoutCanvas(): void {
  const proto = globalThis.HTMLCanvasElement?.prototype as { getContext?: unknown } | undefined;
  if (!proto || (proto as { measuring?: boolean }).measuring) return;
  const context = { font: '14px monospace', measureText(text: string) { return { width: text.length * 0.6 * (Number.parseFloat(/(\d+)px/.exec(this.font)?.[1] ?? '14')) }; } };
  Object.assign(proto, { getContext: () => context, measuring: true });
}
