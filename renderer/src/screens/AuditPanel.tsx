import { useEffect, useState } from 'react';
import type { AuditItem } from '../../../core/reports/audit.ts';
import { closeAudit, usePos } from '../app/pos-store.ts';

const KIND_LABEL: Record<AuditItem['kind'], string> = {
  void: 'Void',
  override: 'Oversell',
  price: 'Price change',
  refund: 'Refund',
  'cash-in': 'Cash in',
  'cash-out': 'Cash out',
  drawer: 'Drawer',
};

/** The till's audit log, newest first: voids, manager oversells, refunds and cash moved in or out. */
export function AuditPanel({ money }: { money: (n: number) => string }) {
  const store = usePos((s) => s.store);
  const version = usePos((s) => s.version);
  const config = store?.config();
  const [items, setItems] = useState<AuditItem[] | undefined>();
  useEffect(() => {
    void store?.audit().then(setItems);
  }, [store, version]);
  // The log records staff ids; the cashier reads names.
  const nameOf = (id: string) => store?.staff().find((m) => m.id === id)?.name ?? id;
  const time = (at: number) => new Intl.DateTimeFormat(config?.locale, { timeZone: config?.timeZone, timeStyle: 'short' }).format(at);
  return (
    <section aria-label="Audit log" className="cart audit">
      <h2>Audit log</h2>
      {items?.length === 0 && <p className="muted">Nothing to report on this till yet.</p>}
      <ul className="audit-items">
        {items?.map((i, n) => (
          <li key={n} className={`audit-${i.kind}`}>
            <span className="when">{time(i.at)}</span>
            <span className="kind">{KIND_LABEL[i.kind]}</span>
            <span className="what">
              {i.what} <small>· {nameOf(i.who)}</small>
            </span>
            {i.amount !== undefined && <span className="amount">{money(i.amount)}</span>}
          </li>
        ))}
      </ul>
      <div className="actions">
        <button className="primary" onClick={closeAudit}>
          Back to the sale
        </button>
      </div>
    </section>
  );
}
