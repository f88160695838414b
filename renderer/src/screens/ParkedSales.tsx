import { useCallback, useState } from 'react';
import { usePos } from '../app/pos-store.ts';
import { useParked } from '../app/kept-carts.ts';
import { describeParked, discardParked, parkSale, parkedTotal, resumeParked, showParked } from '../app/parked-sales.ts';
import { PARKED_LIST_KEY, PARK_KEY, useFunctionKey } from '../app/use-park-keys.ts';
import './ParkedSales.css';

/** "Park sale" (F4), in the cart's actions: the customer went to fetch a card; serve the next one meanwhile. */
export function ParkButton() {
  const partlyPaid = usePos((s) => (s.payment?.taken.length ?? 0) > 0);
  const hasLines = usePos((s) => s.cart.lines.length > 0);
  const park = useCallback(() => void parkSale(), []);
  useFunctionKey(PARK_KEY, hasLines && !partlyPaid, park);
  return (
    <button className="ghost" onClick={park} disabled={!hasLines || partlyPaid} aria-keyshortcuts={PARK_KEY}>
      Park sale <kbd aria-hidden="true">{PARK_KEY}</kbd>
    </button>
  );
}

/** "Parked sales (n)" (F8) above the cart, and the list to resume or discard them; nothing while none are parked. */
export function ParkedSales({ money }: { money: (n: number) => string }) {
  const parked = useParked((s) => s.parked);
  const showing = useParked((s) => s.showing);
  const store = usePos((s) => s.store);
  const toggle = useCallback(() => showParked(!useParked.getState().showing), []);
  useFunctionKey(PARKED_LIST_KEY, parked.length > 0, toggle);
  const [confirming, setConfirming] = useState<string | undefined>();
  if (parked.length === 0) return null;
  const staff = store?.staff();
  const time = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return (
    <div className="parked">
      <button className="parked-toggle" aria-expanded={showing} aria-controls="parked-sales" onClick={toggle} aria-keyshortcuts={PARKED_LIST_KEY}>
        Parked sales ({parked.length}) <kbd aria-hidden="true">{PARKED_LIST_KEY}</kbd>
      </button>
      {showing && (
        <section id="parked-sales" aria-label="Parked sales" className="parked-list">
          <ul>
            {parked.map((p, i) => {
              const total = parkedTotal(p);
              const who = staff?.find((m) => m.id === p.cashierId)?.name;
              return (
                <li key={p.id}>
                  <span className="what">
                    <strong>{describeParked(p)}</strong>
                    <small>
                      {time(p.parkedAt)}
                      {who ? ` · ${who}` : ''}
                      {total !== undefined ? ` · ${money(total)}` : ''}
                    </small>
                  </span>
                  {/* The first parked sale takes the focus, so F8 then Enter resumes it. */}
                  <button className="primary" autoFocus={i === 0} onClick={() => void resumeParked(p.id)}>
                    Resume
                  </button>
                  {confirming === p.id ? (
                    <button className="danger" onClick={() => void discardParked(p.id).then(() => setConfirming(undefined))}>
                      Confirm discard
                    </button>
                  ) : (
                    <button className="ghost" onClick={() => setConfirming(p.id)}>
                      Discard
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </div>
  );
}
