import { quickCash, remaining } from '../../../core/selling/tender.ts';
import { cancelPayment, completeSale, editPayment, usePos } from '../app/pos-store.ts';

/**
 * Taking payment: cash (amount tendered, quick-cash buttons), card on the external terminal (its approval
 * code), other (voucher); a split payment takes part now and the rest next. Optional customer capture and
 * the creator code the customer came with.
 */
export function PaymentForm({ total, money, parse, currency }: { total: number; money: (n: number) => string; parse: (text: string) => number; currency: string }) {
  const payment = usePos((s) => s.payment);
  const store = usePos((s) => s.store);
  if (!payment) return null;
  // The event's creator codes, offered as the cashier types; any other code is still accepted as typed.
  const creators = store?.creators() ?? [];
  const left = remaining(total, payment.taken);
  const partial = payment.split && payment.amount.trim() !== '';
  const due = partial ? safe(() => parse(payment.amount)) ?? left : left;
  const complete = () => void completeSale(parse);
  return (
    <form
      className="payment"
      onSubmit={(e) => {
        e.preventDefault();
        complete();
      }}
    >
      {payment.taken.length > 0 && (
        <ul className="taken" aria-label="Payments taken">
          {payment.taken.map((p, i) => (
            <li key={i}>
              <span>{p.method === 'cash' ? 'Cash' : p.method === 'card' ? 'Card' : 'Other'}</span>
              <span>{money(p.amount)}</span>
            </li>
          ))}
          <li className="left">
            <span>Left to pay</span>
            <span>{money(left)}</span>
          </li>
        </ul>
      )}
      <div className="methods" role="group" aria-label="Payment method">
        {(['cash', 'card', 'other'] as const).map((m) => (
          <button type="button" key={m} aria-pressed={payment.method === m} onClick={() => editPayment({ method: m })}>
            {m === 'cash' ? 'Cash' : m === 'card' ? 'Card' : 'Other'}
          </button>
        ))}
      </div>
      <label className="check">
        <input type="checkbox" checked={payment.split} onChange={(e) => editPayment({ split: e.target.checked, amount: '' })} />
        Split payment
      </label>
      {payment.split && (
        <label>
          Amount of this payment
          <input inputMode="decimal" value={payment.amount} placeholder={money(left)} onChange={(e) => editPayment({ amount: e.target.value })} />
        </label>
      )}
      {payment.method === 'cash' ? (
        <>
          <label>
            Amount tendered
            <input inputMode="decimal" autoFocus value={payment.tendered} placeholder={money(due)} onChange={(e) => editPayment({ tendered: e.target.value })} />
          </label>
          <div className="quick" role="group" aria-label="Quick cash">
            {quickCash(due, currency).map((v) => (
              <button type="button" key={v} onClick={() => void completeSale(parse, v)}>
                {money(v)}
              </button>
            ))}
          </div>
        </>
      ) : (
        <label>
          {payment.method === 'card' ? 'Card approval code' : 'Voucher number'}
          <input autoFocus value={payment.reference} onChange={(e) => editPayment({ reference: e.target.value })} />
        </label>
      )}
      <details className="customer">
        <summary>Customer and creator code</summary>
        <label>
          Customer e-mail
          <input type="email" value={payment.email} onChange={(e) => editPayment({ email: e.target.value })} autoComplete="off" />
        </label>
        <label>
          Customer phone
          <input type="tel" value={payment.phone} onChange={(e) => editPayment({ phone: e.target.value })} autoComplete="off" />
        </label>
        <label className="check">
          <input type="checkbox" checked={payment.consent} onChange={(e) => editPayment({ consent: e.target.checked })} />
          Customer agrees to be contacted
        </label>
        <label>
          Creator code
          <input value={payment.source} onChange={(e) => editPayment({ source: e.target.value })} autoComplete="off" list="creator-codes" />
        </label>
        <datalist id="creator-codes">
          {creators.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </datalist>
      </details>
      <div className="actions">
        <button type="button" className="ghost" onClick={cancelPayment}>
          Back
        </button>
        <button type="submit" className="primary big">
          {partial ? 'Add payment' : 'Complete sale'}
        </button>
      </div>
    </form>
  );
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
