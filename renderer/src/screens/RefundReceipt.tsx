import { useState } from 'react';
import { createPortal } from 'react-dom';
import { toTagged } from '../../../core/base/errors.ts';
import { refundReceiptModel, refundReceiptText } from '../../../core/refunds/refund-receipt.ts';
import type { Refund } from '../../../core/refunds/refund.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { usePos } from '../app/pos-store.ts';
import { printZReport } from '../platform/desktop.ts';
import './RefundReceipt.css';

/**
 * The refund slip, shown for printing when a refund completes: the original receipt, the lines returned,
 * the money back and its tender, who served and who authorised it. It prints as plain text, like the Z
 * report: on the desktop app's receipt printer (its text channel), or through the browser's print dialog
 * (the `.z-print` sheet is all that prints).
 */
export function RefundReceipt({ refunds, sales }: { refunds: readonly Refund[]; sales: readonly Sale[] }) {
  const store = usePos((s) => s.store);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const config = store?.config();
  if (!store || !config || refunds.length === 0) return null;
  const text = refundReceiptText(refundReceiptModel(refunds, sales, config, store.brandList(), store.staff()));

  const print = async () => {
    setBusy(true);
    try {
      const out = await printZReport(text);
      setNote(out.via === 'printer' ? { kind: out.warning ? 'error' : 'ok', text: out.warning ?? `Printed on ${out.printer}` } : undefined);
    } catch (err) {
      setNote({ kind: 'error', text: `The refund is complete, but the slip did not print: ${toTagged(err).message}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <pre className="refund-slip" aria-label="Refund receipt">
        {text}
      </pre>
      {note && (
        <p role={note.kind === 'error' ? 'alert' : 'status'} className={note.kind === 'error' ? 'error' : 'muted'}>
          {note.text}
        </p>
      )}
      <button className="big" disabled={busy} onClick={() => void print()}>
        {busy ? 'Printing…' : 'Print refund receipt'}
      </button>
      {createPortal(<pre className="z-print">{text}</pre>, document.body)}
    </>
  );
}
