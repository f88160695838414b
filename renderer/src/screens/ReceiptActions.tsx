import { useEffect, useState, type ReactNode } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import type { ReceiptModel } from '../../../core/selling/receipt.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { usePos } from '../app/pos-store.ts';
import { desktop, printReceipt } from '../platform/desktop.ts';

/** Receipts whose drawer kick was already sent: a re-render (or React's double effects) never opens it twice. */
const kicked = new Set<string>();

/**
 * The completed sale's receipt actions. Print goes to the till's receipt printer in the desktop app (or the
 * browser's print dialog). After a sale paid partly in cash, the desktop app opens the cash drawer by
 * itself, and the opening goes into the audit log. A printer or drawer that fails says why; the sale is
 * complete either way — it was committed before this shows.
 */
export function ReceiptActions({ model, sales, children }: { model: ReceiptModel; sales: readonly Sale[]; children: ReactNode }) {
  const store = usePos((s) => s.store);
  const cashier = usePos((s) => s.cashier);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const paidInCash = sales.some((s) => s.payments.some((p) => p.method === 'cash'));

  useEffect(() => {
    const d = desktop();
    if (!d || !paidInCash || !store || kicked.has(model.receiptNumber)) return;
    kicked.add(model.receiptNumber);
    d.openDrawer({ reason: 'cash-sale' })
      .then(async (out) => {
        if (!out.drawerOpened) return;
        await store.recordDrawerOpening({ cashierId: cashier?.id ?? 'till', wallTime: Date.now(), reason: 'cash-sale', receiptNumber: model.receiptNumber });
      })
      .catch((err: unknown) => setNote({ kind: 'error', text: `The sale is complete, but the drawer did not open: ${toTagged(err).message}` }));
  }, [model.receiptNumber, paidInCash, store, cashier]);

  const print = async () => {
    setBusy(true);
    try {
      const out = await printReceipt(model);
      setNote(out.via === 'printer' ? { kind: out.warning ? 'error' : 'ok', text: out.warning ?? `Printed on ${out.printer}` } : undefined);
    } catch (err) {
      setNote({ kind: 'error', text: `The sale is complete, but the receipt did not print: ${toTagged(err).message}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {note && (
        <p role={note.kind === 'error' ? 'alert' : 'status'} className={note.kind === 'error' ? 'error' : 'muted'}>
          {note.text}
        </p>
      )}
      <div className="actions">
        <button className="big" disabled={busy} onClick={() => void print()}>
          {busy ? 'Printing…' : 'Print receipt'}
        </button>
        {children}
      </div>
    </>
  );
}
