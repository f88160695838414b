import { useState } from 'react';
import { parseMoney } from '../../../core/base/money.ts';
import { editLinePrice, setLinePrice } from '../app/pos-store.ts';
import { ManagerApproval } from './ManagerApproval.tsx';

/** A manager sets a line's unit price by hand; it never goes below the product's margin floor or above list. */
export function PriceChange({ index, label, unitPrice, money, currency }: { index: number; label: string; unitPrice: number; money: (n: number) => string; currency: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="price-change">
      <label>
        New unit price for {label}
        <input inputMode="decimal" autoFocus value={text} placeholder={money(unitPrice)} onChange={(e) => setText(e.target.value)} />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ManagerApproval
        what="A manager approves every price change; it is kept in the audit log."
        onApproved={(m) => {
          try {
            setLinePrice(index, parseMoney(text, currency), m);
          } catch (err) {
            setError(err instanceof Error ? err.message : String(err));
          }
        }}
        onCancel={() => editLinePrice(undefined)}
      />
    </div>
  );
}
