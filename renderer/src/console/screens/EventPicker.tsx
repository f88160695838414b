import { useEffect, useState, type FormEvent } from 'react';
import { parseMoney } from '../../../../core/base/money.ts';
import { epochToZonedLocal, zonedLocalToEpoch } from '../../../../core/base/zoned-time.ts';
import { act, openEvent, signOut, useConsole } from '../console-store.ts';
import { FlashMessage } from './FlashMessage.tsx';

interface EventSummary {
  id: string;
  name: string;
  startsAt?: number;
}

/** An admin picks one of the server's events or creates one; an organiser token goes straight to its event. */
export function EventPicker() {
  const api = useConsole((s) => s.api)!;
  const [events, setEvents] = useState<EventSummary[] | undefined>();
  const [openId, setOpenId] = useState('');
  useEffect(() => {
    void api
      .get<{ events: EventSummary[] }>('/api/events')
      .then((r) => setEvents(r.events))
      .catch(() => setEvents([]));
  }, [api]);
  return (
    <main className="console-picker">
      <header className="console-top">
        <h1>Events</h1>
        <button type="button" className="ghost" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div className="console-body">
        <FlashMessage />
        <section aria-label="Events on this server" className="card">
          <h2>Open an event</h2>
          {events === undefined && <p className="muted">Loading…</p>}
          {events?.length === 0 && <p className="muted">No events yet: create the first one below.</p>}
          <ul className="event-list">
            {events?.map((e) => (
              <li key={e.id}>
                <button type="button" onClick={() => openEvent(e.id)}>
                  {e.name} <span className="muted">{e.id}</span>
                </button>
              </li>
            ))}
          </ul>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (openId.trim()) openEvent(openId.trim());
            }}
          >
            <label>
              Event id
              <input value={openId} onChange={(e) => setOpenId(e.target.value)} />
            </label>
            <button type="submit">Open</button>
          </form>
        </section>
        <CreateEvent />
      </div>
    </main>
  );
}

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function CreateEvent() {
  const api = useConsole((s) => s.api)!;
  const now = Date.now();
  const [f, setF] = useState({
    id: '',
    name: '',
    timeZone: browserZone,
    currency: 'EUR',
    locale: navigator.language || 'en-GB',
    taxMode: 'inclusive',
    startsAt: epochToZonedLocal(now + 86_400_000, browserZone),
    endsAt: epochToZonedLocal(now + 86_400_000 + 8 * 3_600_000, browserZone),
    discount: '0',
    returnsDays: '14',
    defectRefundLimit: '50',
    returnsText: 'Unworn items with their receipt can be returned within 14 days.',
  });
  const field = (k: keyof typeof f) => ({ value: f[k], onChange: (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value }) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await act(async () => {
      const startsAt = zonedLocalToEpoch(f.startsAt, f.timeZone);
      const endsAt = zonedLocalToEpoch(f.endsAt, f.timeZone);
      const config = {
        id: f.id.trim(),
        name: f.name.trim(),
        timeZone: f.timeZone.trim(),
        currency: f.currency.trim().toUpperCase(),
        locale: f.locale.trim(),
        taxMode: f.taxMode,
        rounding: 'half-up',
        // One tier for the whole drop to start with; timed tiers (−30 % the first 15 minutes…) are set in Set-up.
        drop: { startsAt, endsAt, tiers: [{ id: 'drop', label: Number(f.discount) > 0 ? `−${f.discount} % drop price` : 'Drop price', percentOffBp: Math.round(Number(f.discount) * 100), untilMinute: null }] },
        policies: { returnsDays: Number(f.returnsDays), defectRefundLimit: parseMoney(f.defectRefundLimit, f.currency.trim().toUpperCase()), returnsText: f.returnsText },
      };
      return api.post<{ event: { id: string } }>('/api/events', { config });
    }, 'Event created');
    if (created) openEvent(created.event.id);
  };
  return (
    <section aria-label="Create an event" className="card">
      <h2>Create an event</h2>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Event id
          <input {...field('id')} required pattern="[a-z0-9][a-z0-9\-]{0,47}" title="lower-case letters, digits and dashes" placeholder="spring-flash-mall" />
        </label>
        <label>
          Name
          <input {...field('name')} required placeholder="Spring Flash Mall" />
        </label>
        <label>
          Time zone
          <input {...field('timeZone')} required />
        </label>
        <label>
          Currency
          <input {...field('currency')} required maxLength={3} />
        </label>
        <label>
          Locale
          <input {...field('locale')} required />
        </label>
        <label>
          Prices
          <select {...field('taxMode')}>
            <option value="inclusive">include tax</option>
            <option value="exclusive">exclude tax</option>
          </select>
        </label>
        <label>
          Drop starts (event time)
          <input type="datetime-local" {...field('startsAt')} required />
        </label>
        <label>
          Drop ends (event time)
          <input type="datetime-local" {...field('endsAt')} required />
        </label>
        <label>
          Discount during the drop (%)
          <input type="number" min={0} max={100} step="0.5" {...field('discount')} required />
        </label>
        <label>
          Returns window (days)
          <input type="number" min={0} max={365} {...field('returnsDays')} required />
        </label>
        <label>
          Defects refunded without a manager up to
          <input type="number" min={0} step="0.01" {...field('defectRefundLimit')} required />
        </label>
        <label className="wide">
          Returns policy (printed on receipts)
          <input {...field('returnsText')} />
        </label>
        <button type="submit" className="primary">
          Create event
        </button>
      </form>
    </section>
  );
}
