import { useState } from 'react';
import { enterCode, removeCoupon } from '../app/discount-actions.ts';
import { usePos } from '../app/pos-store.ts';

/**
 * The cart's code field: a coupon or a creator's code, typed or scanned (a scanner types it and Enter).
 * Coupons on the cart are listed with a way to take each off; a creator's code shows whom the sale credits.
 */
export function CartCodes() {
  const coupons = usePos((s) => s.cart.coupons) ?? [];
  const source = usePos((s) => s.codeSource);
  const [code, setCode] = useState('');
  return (
    <div className="cart-codes">
      <form
        aria-label="Codes"
        onSubmit={(e) => {
          e.preventDefault();
          if (enterCode(code)) setCode('');
        }}
      >
        <label>
          Coupon or creator code
          <input value={code} autoComplete="off" spellCheck={false} onChange={(e) => setCode(e.target.value)} />
        </label>
        <button type="submit">Apply code</button>
      </form>
      {(coupons.length > 0 || source) && (
        <ul className="codes">
          {coupons.map((c) => (
            <li key={c}>
              Coupon {c}{' '}
              <button className="ghost touch-icon" aria-label={`Remove coupon ${c}`} onClick={() => removeCoupon(c)}>
                ×
              </button>
            </li>
          ))}
          {source && <li>Credited to {source}</li>}
        </ul>
      )}
    </div>
  );
}
