import { usePos } from '../app/pos-store.ts';

/** Always visible: whether the till reaches a server, and how many changes wait to sync. */
export function StatusBar() {
  const store = usePos((s) => s.store);
  const outbox = usePos((s) => s.outbox);
  const persisted = usePos((s) => s.persisted);
  const paired = Boolean(store?.profile?.serverUrl);
  return (
    <div role="status" aria-label="Sync status" className={`status ${paired ? '' : 'offline'}`}>
      <span className="dot" aria-hidden="true" />
      {paired ? 'Online' : 'Offline · stand-alone'}
      <span className="muted">· {outbox} waiting to sync</span>
      {!persisted && (
        <span className="warn" title="The browser may evict this till's data under storage pressure: install the desktop app or allow persistent storage">
          · storage not persistent
        </span>
      )}
    </div>
  );
}
