import { usePos } from '../app/pos-store.ts';

/** Always visible: whether the till reaches its server, when it last heard from it, and what waits to sync. */
export function StatusBar() {
  const store = usePos((s) => s.store);
  const outbox = usePos((s) => s.outbox);
  const persisted = usePos((s) => s.persisted);
  const sync = usePos((s) => s.sync);
  const now = usePos((s) => s.now);
  const paired = Boolean(store?.profile?.serverUrl);
  const online = paired && sync?.state === 'online';
  const label = !paired ? 'Offline · stand-alone' : online ? 'Online' : sync?.state === 'connecting' ? 'Offline · connecting' : 'Offline';
  const ago = sync?.lastSyncedAt ? Math.max(0, Math.round((now - sync.lastSyncedAt) / 1000)) : undefined;
  return (
    <div role="status" aria-label="Sync status" className={`status ${online ? '' : 'offline'}`}>
      <span className="dot" aria-hidden="true" />
      {label}
      {paired && ago !== undefined && <span className="muted">· synced {ago < 5 ? 'just now' : `${ago} s ago`}</span>}
      <span className="muted">· {outbox} waiting to sync</span>
      {sync?.problem && (
        // A refused till (revoked, expired) has stopped syncing for good: said as an alert, not a passing note.
        <span className="warn" role={sync.refused ? 'alert' : undefined}>
          · {sync.problem}
        </span>
      )}
      {!persisted && (
        <span className="warn" title="The browser may evict this till's data under storage pressure: install the desktop app or allow persistent storage">
          · ⚠ storage not persistent
        </span>
      )}
    </div>
  );
}
