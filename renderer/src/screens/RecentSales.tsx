import { usePos } from '../app/pos-store.ts';

/** The last sales on this till, read from IndexedDB: what survived any reload or crash. */
export function RecentSales({ money }: { money: (n: number) => string }) {
  const recent = usePos((s) => s.recent);
  const byReceipt = new Map<string, number>();
  for (const s of recent) byReceipt.set(s.receiptNumber, (byReceipt.get(s.receiptNumber) ?? 0) + s.total);
  return (
    <section aria-label="Recent sales" className="recent">
      <h2>Recent sales</h2>
      {byReceipt.size === 0 ? (
        <p className="muted">No sales yet.</p>
      ) : (
        <ul>
          {[...byReceipt].map(([receipt, total]) => (
            <li key={receipt}>
              <span>{receipt}</span>
              <span>{money(total)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
