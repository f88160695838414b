import { useState } from 'react';
import { parseMoney } from '../../../core/base/money.ts';
import { toTagged } from '../../../core/base/errors.ts';
import type { ManualDiscount } from '../../../core/selling/discounts.ts';
import { giveDiscount, openDiscount, removeDiscount } from '../app/discount-actions.ts';
import { ManagerApproval } from './ManagerApproval.tsx';

/** Reasons a cashier gives most, one tap each; any other can be typed. */
const REASONS = ['Damaged', 'Staff', 'Regular customer', 'Price match'];

/**
 * A discount on one line or the whole sale: percent or amount, with a reason. Within the cashier's cap it
 * applies at once; beyond it (or below the margin floor) a manager approves with their PIN.
 */
export function DiscountForm({ target, label, currency, current }: { target: number | 'cart'; label: string; currency: string; current?: ManualDiscount | undefined }) {
  const [mode, setMode] = useState<'percent' | 'amount'>(current?.amount !== undefined ? 'amount' : 'percent');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState(current?.reason ?? '');
  const [error, setError] = useState<string | undefined>();
  const [needsManager, setNeedsManager] = useState<{ why: string; discount: ManualDiscount } | undefined>();

  const read = (): ManualDiscount => {
    if (!reason.trim()) throw new Error('Give a reason for the discount');
    if (mode === 'percent') {
      const pct = Number(value.replace(',', '.'));
      if (!Number.isFinite(pct) || pct <= 0 || pct > 100) throw new Error('The percentage must be more than 0 and at most 100');
      return { percentBp: Math.round(pct * 100), reason: reason.trim() };
    }
    return { amount: parseMoney(value, currency), reason: reason.trim() };
  };

  return (
    <div className="discount-form" role="group" aria-label={`Discount on ${label}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          try {
            const d = read();
            const verdict = giveDiscount(target, d);
            if (!verdict.ok) setNeedsManager({ why: verdict.needsManager, discount: d });
          } catch (err) {
            setError(toTagged(err).message);
          }
        }}
      >
        <div className="segmented" role="radiogroup" aria-label="Discount as">
          <label>
            <input type="radio" name="discount-mode" checked={mode === 'percent'} onChange={() => setMode('percent')} /> Percent
          </label>
          <label>
            <input type="radio" name="discount-mode" checked={mode === 'amount'} onChange={() => setMode('amount')} /> Amount
          </label>
        </div>
        <label>
          {mode === 'percent' ? 'Percent off' : 'Amount off'}
          <input inputMode="decimal" autoFocus value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <label>
          Reason
          <input list="discount-reasons" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={80} />
        </label>
        <datalist id="discount-reasons">
          {REASONS.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          {current && (
            <button type="button" className="ghost" onClick={() => removeDiscount(target)}>
              Remove discount
            </button>
          )}
          <button type="button" className="ghost" onClick={() => openDiscount(undefined)}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Apply discount
          </button>
        </div>
      </form>
      {needsManager && (
        <ManagerApproval
          what={`${needsManager.why}.`}
          onApproved={(m) => {
            try {
              const verdict = giveDiscount(target, needsManager.discount, m);
              if (!verdict.ok) setError(verdict.needsManager);
            } catch (err) {
              setError(toTagged(err).message);
            }
          }}
          onCancel={() => setNeedsManager(undefined)}
        />
      )}
    </div>
  );
}
