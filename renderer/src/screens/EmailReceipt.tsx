import { useState, type FormEvent } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { dismissMailFailure, emailReceipt, useMail } from '../app/mail-store.ts';
import { usePos } from '../app/pos-store.ts';
import './EmailReceipt.css';

/**
 * "E-mail receipt" on the completed sale: the cashier (or the customer, on a turned screen) types an address
 * and presses Enter. The receipt is queued on the till and sent by the server when the till is online; this
 * says which of those it is, and what the server refused. A stand-alone till has no server to send it.
 */
export function EmailReceipt({ sales }: { sales: readonly Sale[] }) {
  const paired = usePos((s) => Boolean(s.store?.profile?.serverUrl));
  const online = usePos((s) => s.sync?.state === 'online');
  const first = sales[0];
  const row = useMail((s) => s.rows.find((r) => r.checkoutId === first?.checkoutId));
  const sent = useMail((s) => (first ? s.sent.includes(first.receiptNumber) : false));
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | undefined>();
  if (!paired || !first) return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await emailReceipt(sales, to);
      setError(undefined);
      setTo('');
    } catch (err) {
      setError(toTagged(err).message.replace(/^to: /, ''));
    }
  };

  return (
    <form className="email-receipt" aria-label="E-mail receipt" onSubmit={(e) => void submit(e)}>
      <label htmlFor="email-receipt-to">Customer&apos;s e-mail</label>
      <span className="row">
        <input id="email-receipt-to" type="email" inputMode="email" autoComplete="off" value={to} onChange={(e) => setTo(e.target.value)} placeholder="name@example.com" aria-invalid={error ? true : undefined} />
        <button type="submit">E-mail receipt</button>
      </span>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {sent && !row && <p role="status">Receipt e-mailed.</p>}
      {row?.state === 'queued' && <p role="status">{online ? 'Sending the receipt…' : 'Receipt queued: it is e-mailed as soon as the till is back online.'}</p>}
      {row?.state === 'failed' && (
        <p role="alert" className="error">
          Not e-mailed: {row.error}{' '}
          <button type="button" className="ghost" onClick={() => void dismissMailFailure(row.checkoutId)}>
            Dismiss
          </button>
        </p>
      )}
    </form>
  );
}
