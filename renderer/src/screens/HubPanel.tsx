import { useEffect, useState } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import { usePos } from '../app/pos-store.ts';
import { desktop, type Desktop } from '../platform/desktop.ts';
import { QrCode } from './QrCode.tsx';

type Status = Awaited<ReturnType<Desktop['hubStatus']>>;
type Code = Awaited<ReturnType<Desktop['hubPairingCode']>>;

/**
 * LAN hub (desktop app): this computer runs the sync server for the venue, so the other tills pair with it
 * and sync with no internet. Shows the hub's address and each pairing code as text and as a QR code. Given
 * the event's server and a hub token, it relays to it (electron/hub/upstream-bridge.ts).
 */
export function HubPanel() {
  const d = desktop();
  const store = usePos((s) => s.store);
  const [status, setStatus] = useState<Status | undefined>();
  const [port, setPort] = useState('8787');
  const [demo, setDemo] = useState(false);
  const [upstreamUrl, setUpstreamUrl] = useState('');
  const [upstreamToken, setUpstreamToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [eventId, setEventId] = useState('');
  const [name, setName] = useState('');
  const [locationId, setLocationId] = useState('');
  const [brandIds, setBrandIds] = useState<string[]>([]);
  const [code, setCode] = useState<Code | undefined>();

  useEffect(() => {
    d?.hubStatus().then(setStatus, (err: unknown) => setError(toTagged(err).message));
  }, [d]);

  if (!d || !status) return null;
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(toTagged(err).message);
    } finally {
      setBusy(false);
    }
  };
  const ownEvent = store?.config()?.id;
  const event = status.events.find((e) => e.id === (eventId || ownEvent)) ?? status.events[0];

  return (
    <section className="card" aria-label="LAN hub">
      <h2>LAN hub</h2>
      <p className="muted">
        Run the sync for every till at this venue on this computer, with no internet. The other tills pair with the address and a code below. Give it the event&rsquo;s server and a hub token to forward everything both ways whenever it can reach it.
      </p>
      {status.problem && (
        <p role="alert" className="error">
          {status.problem}
        </p>
      )}
      {!status.running ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const p = Number(port);
            const relay = upstreamUrl.trim() && ownEvent ? { upstream: { url: upstreamUrl.trim(), token: upstreamToken.trim(), eventId: ownEvent } } : {};
            void run(async () => setStatus(await d.hubStart({ port: p, ...(demo && !relay.upstream ? { demo } : {}), ...relay })));
          }}
          style={{ display: 'flex', flexDirection: 'column', gap: '0.7rem' }}
        >
          <label>
            Port
            <input inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))} />
          </label>
          <label>
            Event server to relay to (optional)
            <input value={upstreamUrl} placeholder="https://sync.example.com" autoComplete="off" onChange={(e) => setUpstreamUrl(e.target.value)} />
          </label>
          {upstreamUrl.trim() && (
            <label>
              Hub token from the organiser
              <input value={upstreamToken} autoComplete="off" onChange={(e) => setUpstreamToken(e.target.value)} />
            </label>
          )}
          <label style={{ flexDirection: 'row', alignItems: 'center', gap: '0.6rem', fontWeight: 400 }}>
            <input type="checkbox" checked={demo} disabled={Boolean(upstreamUrl.trim())} onChange={(e) => setDemo(e.target.checked)} style={{ minHeight: 0, width: '1.3rem', height: '1.3rem' }} />
            Set up the demo mall on the hub if it holds no event (to try it out)
          </label>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Start hub
            </button>
          </div>
        </form>
      ) : (
        <>
          <div style={{ display: 'flex', gap: '1rem', alignItems: 'center' }}>
            <QrCode text={status.url ?? ''} label={`Hub address ${status.url ?? ''}`} size={132} />
            <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
              <div className="muted">Hub address</div>
              <strong style={{ fontSize: '1.3rem' }}>{status.url}</strong>
              {status.urls.length > 1 && <div className="muted">Also: {status.urls.slice(1).join(', ')}</div>}
              <div className="muted">Admin token (set events up on the hub): {status.adminToken ? <code>{status.adminToken}</code> : '—'}</div>
              {status.relayTag && (
                <div className="muted">
                  Hub tag <code>{status.relayTag}</code>: the organiser names it when issuing this hub&rsquo;s token
                </div>
              )}
            </div>
          </div>
          {status.upstream && (
            <p role="status" className={status.upstream.problem ? 'error' : 'muted'}>
              {status.upstream.connected ? `Relaying to ${status.upstream.url}: in sync` : `Relaying to ${status.upstream.url}: not reachable now; everything is forwarded when it is`}
              {status.upstream.problem ? ` (${status.upstream.problem})` : ''}
            </p>
          )}
          {status.events.length === 0 ? (
            <p className="muted">The hub holds no event yet: set one up through its API with the admin token (docs/desktop.md), or restart it with the demo mall.</p>
          ) : (
            <form
              aria-label="Pair a till with the hub"
              onSubmit={(e) => {
                e.preventDefault();
                if (!event) return;
                void run(async () => setCode(await d.hubPairingCode({ eventId: event.id, name, locationId, brandIds })));
              }}
              style={{ display: 'flex', flexDirection: 'column', gap: '0.7rem' }}
            >
              <h3>Pair a till</h3>
              {status.events.length > 1 && (
                <label>
                  Event
                  <select value={event?.id} onChange={(e) => setEventId(e.target.value)}>
                    {status.events.map((ev) => (
                      <option key={ev.id} value={ev.id}>
                        {ev.name}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <label>
                Till name
                <input value={name} placeholder="Booth C till" onChange={(e) => setName(e.target.value)} />
              </label>
              <label>
                Location
                <select value={locationId} onChange={(e) => setLocationId(e.target.value)}>
                  <option value="">Choose…</option>
                  {event?.locations
                    .filter((l) => l.kind === 'booth' || l.kind === 'hub')
                    .map((l) => (
                      <option key={l.id} value={l.id}>
                        {l.name}
                      </option>
                    ))}
                </select>
              </label>
              <fieldset style={{ border: 0, padding: 0, margin: 0, display: 'flex', flexWrap: 'wrap', gap: '0.4rem 1rem' }}>
                <legend style={{ fontWeight: 600, marginBottom: '0.3rem' }}>Brands it sells</legend>
                {event?.brands.map((b) => (
                  <label key={b.id} style={{ flexDirection: 'row', alignItems: 'center', gap: '0.4rem', fontWeight: 400 }}>
                    <input type="checkbox" checked={brandIds.includes(b.id)} onChange={(e) => setBrandIds(e.target.checked ? [...brandIds, b.id] : brandIds.filter((x) => x !== b.id))} style={{ minHeight: 0, width: '1.2rem', height: '1.2rem' }} />
                    {b.name}
                  </label>
                ))}
              </fieldset>
              <div className="actions">
                <button type="submit" className="primary" disabled={busy}>
                  Make pairing code
                </button>
              </div>
            </form>
          )}
          {code && (
            <div role="group" aria-label="New pairing code" style={{ display: 'flex', gap: '1rem', alignItems: 'center' }}>
              <QrCode text={code.code} label={`Pairing code ${code.code}`} size={132} />
              <div style={{ minWidth: 0 }}>
                <div className="muted">Pairing code for {code.tillId}</div>
                <strong style={{ fontSize: '2rem', letterSpacing: '0.1em' }}>{code.code}</strong>
                <div className="muted">On the other till: server {code.url}, then this code. It works once, until {new Date(code.expiresAt).toLocaleString()}.</div>
              </div>
            </div>
          )}
          <div className="actions">
            <button type="button" className="ghost" disabled={busy} onClick={() => void run(async () => setStatus(await d.hubStop()))}>
              Stop hub
            </button>
          </div>
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
