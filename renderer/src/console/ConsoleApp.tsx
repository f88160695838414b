import { closeEvent, showTab, signOut, TABS, useConsole, useEventState, type Tab } from './console-store.ts';
import { ConsoleSignIn } from './screens/ConsoleSignIn.tsx';
import { EventPicker } from './screens/EventPicker.tsx';
import { FlashMessage } from './screens/FlashMessage.tsx';
import { SetupTab } from './screens/SetupTab.tsx';
import { StockTab } from './screens/StockTab.tsx';
import { DashboardTab } from './screens/DashboardTab.tsx';
import { AlertsTab } from './screens/AlertsTab.tsx';
import { SettlementTab } from './screens/SettlementTab.tsx';
import { OrdersTab } from './screens/OrdersTab.tsx';
import { AnalyticsTab } from './screens/AnalyticsTab.tsx';
import { DropTab } from './screens/DropTab.tsx';

const LABELS: Record<Tab, string> = {
  dashboard: 'Dashboard',
  stock: 'Stock',
  orders: 'Online orders',
  drop: 'Live drop',
  alerts: 'Alerts',
  settlement: 'Settlement',
  analytics: 'Analytics',
  setup: 'Set-up',
};

export function ConsoleApp() {
  const api = useConsole((s) => s.api);
  const eventId = useConsole((s) => s.eventId);
  if (!api) return <ConsoleSignIn />;
  if (!eventId) return <EventPicker />;
  return <EventWorkspace />;
}

function EventWorkspace() {
  const tab = useConsole((s) => s.tab);
  const role = useConsole((s) => s.role);
  const state = useEventState();
  const name = state?.config?.name ?? useConsole.getState().eventId;
  const status = !state ? 'Connecting' : state.online && state.synced === state.total ? 'Live' : state.online ? `Syncing ${state.synced}/${state.total}` : 'Offline: reconnecting';
  return (
    <div className="console">
      <header className="console-top">
        <h1>{name}</h1>
        <p role="status" aria-label="Sync status" className={state?.online ? 'live' : 'stale'}>
          <span className="dot" aria-hidden="true" /> {status}
        </p>
        {role === 'admin' && (
          <button type="button" className="ghost" onClick={closeEvent}>
            All events
          </button>
        )}
        <button type="button" className="ghost" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav className="console-tabs" aria-label="Console sections">
        {TABS.map((t) => (
          <button key={t} type="button" aria-pressed={tab === t} onClick={() => showTab(t)}>
            {LABELS[t]}
          </button>
        ))}
      </nav>
      <main className="console-body">
        <FlashMessage />
        <TabBody tab={tab} />
      </main>
    </div>
  );
}

function TabBody({ tab }: { tab: Tab }) {
  switch (tab) {
    case 'setup':
      return <SetupTab />;
    case 'stock':
      return <StockTab />;
    case 'dashboard':
      return <DashboardTab />;
    case 'alerts':
      return <AlertsTab />;
    case 'settlement':
      return <SettlementTab />;
    case 'orders':
      return <OrdersTab />;
    case 'analytics':
      return <AnalyticsTab />;
    case 'drop':
      return <DropTab />;
  }
}
