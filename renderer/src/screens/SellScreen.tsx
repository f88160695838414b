import { useCallback } from 'react';
import { formatMoney } from '../../../core/money.ts';
import { openRefund, scan, usePos } from '../app/pos-store.ts';
import { useScanner } from '../app/use-scanner.ts';
import { CartPanel } from './CartPanel.tsx';
import { DropBanner } from './DropBanner.tsx';
import { ProductGrid } from './ProductGrid.tsx';
import { RefundPanel } from './RefundPanel.tsx';
import { RecentSales } from './RecentSales.tsx';
import { StatusBar } from './StatusBar.tsx';

export function SellScreen() {
  const store = usePos((s) => s.store);
  const message = usePos((s) => s.message);
  const refunding = usePos((s) => s.refunding);
  useScanner(useCallback((code: string) => scan(code), []));
  const config = store?.config();
  if (!store || !config) return null;
  const money = (n: number) => formatMoney(n, config.currency, config.locale);
  return (
    <div className="sell">
      <header className="topbar">
        <div className="event">
          <strong>{config.name}</strong>
          <span className="till">{store.profile?.tillId}</span>
        </div>
        <button className="ghost light" onClick={openRefund}>
          Refund
        </button>
        <DropBanner config={config} />
        <StatusBar />
      </header>
      <main className="catalog">
        {message && (
          <p role="alert" className={message.kind === 'error' ? 'error banner' : 'info banner'}>
            {message.text}
          </p>
        )}
        <ProductGrid money={money} />
      </main>
      <aside className="side">
        {refunding ? <RefundPanel money={money} /> : <CartPanel money={money} />}
        <RecentSales money={money} />
      </aside>
    </div>
  );
}
