import { parseMoney } from '../../../core/money.ts';
import { SerialPrompt } from './SerialPrompt.tsx';
import { cancelPayment, changeQty, clearCart, completeSale, editPayment, newSale, openPayment, pricedCart, usePos } from '../app/pos-store.ts';

/** The cart, the payment being taken and the completed sale, in the same column so the eye stays put. */
export function CartPanel({ money }: { money: (n: number) => string }) {
  usePos((s) => s.cart);
  usePos((s) => s.now);
  const store = usePos((s) => s.store);
  const payment = usePos((s) => s.payment);
  const completed = usePos((s) => s.completed);
  const config = store?.config();
  if (!config) return null;

  if (completed) {
    return (
      <section aria-label="Cart" className="cart done">
        <h2>Sale complete</h2>
        <p className="receipt">
          Receipt <strong>{completed.receiptNumber}</strong>
        </p>
        <p>Total {money(completed.total)}</p>
        {completed.change > 0 && <p className="change">Change due {money(completed.change)}</p>}
        <button className="primary big" autoFocus onClick={newSale}>
          New sale
        </button>
      </section>
    );
  }

  const priced = pricedCart();
  return (
    <section aria-label="Cart" className="cart">
      <h2>Cart</h2>
      <SerialPrompt />
      {!priced ? (
        <p className="muted">Scan or tap a product.</p>
      ) : (
        <>
          <ul className="lines">
            {priced.lines.map((l, i) => (
              <li key={`${l.brandId}/${l.sku}/${l.serial ?? ''}`}>
                <span className="label">
                  {l.label}
                  {l.serial && <small> · {l.serial}</small>}
                </span>
                <span className="qty">
                  <button aria-label={`One less ${l.label}`} onClick={() => changeQty(i, l.qty - 1)}>
                    −
                  </button>
                  <span aria-label="Quantity">{l.qty}</span>
                  <button aria-label={`One more ${l.label}`} disabled={Boolean(l.serial)} onClick={() => changeQty(i, l.qty + 1)}>
                    +
                  </button>
                </span>
                <span className="amount">{money(l.gross)}</span>
              </li>
            ))}
          </ul>
          <dl className="totals">
            {priced.discount > 0 && (
              <>
                <dt>Drop discount</dt>
                <dd>−{money(priced.discount)}</dd>
              </>
            )}
            <dt>Tax {config.taxMode === 'inclusive' ? '(included)' : ''}</dt>
            <dd>{money(priced.tax)}</dd>
            <dt className="total">Total</dt>
            <dd className="total" aria-label="Total">
              {money(priced.total)}
            </dd>
          </dl>
          {!payment ? (
            <div className="actions">
              <button className="ghost" onClick={clearCart}>
                Clear
              </button>
              <button className="primary big" onClick={() => openPayment('cash')}>
                Pay
              </button>
            </div>
          ) : (
            <form
              className="payment"
              onSubmit={(e) => {
                e.preventDefault();
                void completeSale((s) => parseMoney(s, config.currency));
              }}
            >
              <div className="methods" role="group" aria-label="Payment method">
                <button type="button" aria-pressed={payment.method === 'cash'} onClick={() => editPayment({ method: 'cash' })}>
                  Cash
                </button>
                <button type="button" aria-pressed={payment.method === 'card'} onClick={() => editPayment({ method: 'card' })}>
                  Card
                </button>
              </div>
              {payment.method === 'cash' ? (
                <label>
                  Amount tendered
                  <input inputMode="decimal" autoFocus value={payment.tendered} placeholder={money(priced.total)} onChange={(e) => editPayment({ tendered: e.target.value })} />
                </label>
              ) : (
                <label>
                  Card approval code
                  <input autoFocus value={payment.reference} onChange={(e) => editPayment({ reference: e.target.value })} />
                </label>
              )}
              <div className="actions">
                <button type="button" className="ghost" onClick={cancelPayment}>
                  Back
                </button>
                <button type="submit" className="primary big">
                  Complete sale
                </button>
              </div>
            </form>
          )}
        </>
      )}
    </section>
  );
}
