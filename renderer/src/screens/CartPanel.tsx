import { parseMoney } from '../../../core/base/money.ts';
import { SerialPrompt } from './SerialPrompt.tsx';
import { changeQty, clearCart, editLinePrice, newSale, openPayment, pricedCart, usePos } from '../app/pos-store.ts';
import { PriceChange } from './PriceChange.tsx';
import { PaymentForm } from './PaymentForm.tsx';
import { Receipt } from './Receipt.tsx';
import { ReceiptActions } from './ReceiptActions.tsx';
import { EmailReceipt } from './EmailReceipt.tsx';
import { receiptModel } from '../../../core/selling/receipt.ts';
import { PAY_KEY, usePayKey } from '../app/use-pay-key.ts';
import { ParkButton } from './ParkedSales.tsx';
import { openDiscount } from '../app/discount-actions.ts';
import { DiscountForm } from './DiscountForm.tsx';
import { CartCodes } from './CartCodes.tsx';

/** The cart, the payment being taken and the completed sale, in the same column so the eye stays put. */
export function CartPanel({ money }: { money: (n: number) => string }) {
  usePos((s) => s.cart);
  usePos((s) => s.now);
  const store = usePos((s) => s.store);
  const payment = usePos((s) => s.payment);
  const completed = usePos((s) => s.completed);
  const priceFor = usePos((s) => s.priceFor);
  const discountFor = usePos((s) => s.discountFor);
  const cart = usePos((s) => s.cart);
  const cartHasLines = usePos((s) => s.cart.lines.length > 0);
  usePayKey(cartHasLines && !payment && !completed, payCash);
  const config = store?.config();
  if (!config) return null;

  if (completed) {
    const model = receiptModel(completed.sales, config, store?.brandList() ?? []);
    return (
      <section aria-label="Cart" className="cart done">
        <h2>Sale complete</h2>
        <p className="receipt">
          Receipt <strong>{completed.receiptNumber}</strong>
        </p>
        <p>Total {money(completed.total)}</p>
        {completed.change > 0 && <p className="change">Change due {money(completed.change)}</p>}
        <ReceiptActions model={model} sales={completed.sales}>
          <button className="primary big" autoFocus onClick={newSale}>
            New sale
          </button>
        </ReceiptActions>
        <EmailReceipt sales={completed.sales} />
        <div className="print-area">
          <Receipt model={model} />
        </div>
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
                  <button aria-label={`One less ${l.label}`} disabled={Boolean(payment)} onClick={() => changeQty(i, l.qty - 1)}>
                    −
                  </button>
                  <span aria-label="Quantity">{l.qty}</span>
                  <button aria-label={`One more ${l.label}`} disabled={Boolean(l.serial) || Boolean(payment)} onClick={() => changeQty(i, l.qty + 1)}>
                    +
                  </button>
                </span>
                <button className="amount price-button" aria-label={`Change price of ${l.label}`} disabled={Boolean(payment)} onClick={() => editLinePrice(priceFor === i ? undefined : i)}>
                  {money(l.gross)}
                </button>
                <button className="ghost touch-icon" aria-label={`Discount on ${l.label}`} disabled={Boolean(payment)} onClick={() => openDiscount(discountFor === i ? undefined : i)}>
                  %
                </button>
                {l.lineDiscounted > 0 && l.discount && (
                  <small className="line-discount">
                    {l.discount.reason} −{money(l.lineDiscounted)}
                  </small>
                )}
                {discountFor === i && <DiscountForm target={i} label={l.label} currency={config.currency} current={l.discount} />}
                {priceFor === i && <PriceChange index={i} label={l.label} unitPrice={l.unitPrice} money={money} currency={config.currency} />}
              </li>
            ))}
          </ul>
          {!payment && <CartCodes />}
          {!payment && (
            <button className="ghost" onClick={() => openDiscount(discountFor === 'cart' ? undefined : 'cart')}>
              Discount on sale
            </button>
          )}
          {discountFor === 'cart' && <DiscountForm target="cart" label="the whole sale" currency={config.currency} current={cart.discount} />}
          <dl className="totals" aria-label="Price summary">
            {priced.discounts.map((d) => (
              <div key={`${d.kind}/${d.name}`} className="named-discount">
                <dt>{d.name}</dt>
                <dd>−{money(d.amount)}</dd>
              </div>
            ))}
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
              <ParkButton />
              <button className="primary big" onClick={payCash} aria-keyshortcuts={PAY_KEY}>
                Pay <kbd aria-hidden="true">{PAY_KEY}</kbd>
              </button>
            </div>
          ) : (
            <PaymentForm total={priced.total} money={money} parse={(text) => parseMoney(text, config.currency)} currency={config.currency} />
          )}
        </>
      )}
    </section>
  );
}

function payCash(): void {
  openPayment('cash');
}
