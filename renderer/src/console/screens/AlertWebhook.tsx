import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { act, ev, useConsole } from '../console-store.ts';

interface Delivery {
  alertId: string;
  attempt: number;
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
  outcome?: string;
}

/**
 * The optional webhook each new alert is POSTed to (signed with HMAC-SHA256, retried with backoff by the
 * server), and its last deliveries — so the organiser can wire alerts into the team's chat or phone.
 */
export function AlertWebhook() {
  const api = useConsole((s) => s.api)!;
  const [current, setCurrent] = useState<{ configured: boolean; url?: string } | undefined>();
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const load = useCallback(async () => {
    setCurrent(await api.get<{ configured: boolean; url?: string }>(ev('/alerts/webhook')));
    setDeliveries((await api.get<{ deliveries: Delivery[] }>(ev('/alerts/deliveries'))).deliveries);
  }, [api]);
  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(() => api.put(ev('/alerts/webhook'), { url: url.trim(), secret }), 'Alerts will be sent to the webhook')) {
      setSecret('');
      await load();
    }
  };
  const remove = async () => {
    await act(() => api.request('DELETE', ev('/alerts/webhook')), 'Webhook removed');
    await load();
  };
  return (
    <section className="card" aria-label="Alert webhook">
      <h2>Alert webhook</h2>
      <p className="muted">
        {current?.configured ? (
          <>
            Each new alert is POSTed, signed, to <code>{current.url}</code>.{' '}
            <button type="button" className="ghost" onClick={() => void remove()}>
              Remove
            </button>
          </>
        ) : (
          'No webhook: alerts show here only.'
        )}
      </p>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label className="wide">
          Webhook address
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://hooks.example.com/popup" />
        </label>
        <label>
          Signing secret (16+ characters)
          <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required minLength={16} autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          Save webhook
        </button>
      </form>
      {deliveries.length > 0 && (
        <table>
          <caption className="muted">Last deliveries</caption>
          <thead>
            <tr>
              <th>Alert</th>
              <th className="num">Attempt</th>
              <th>Result</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.slice(0, 20).map((d) => (
              <tr key={`${d.alertId}/${d.attempt}`}>
                <td>{d.alertId}</td>
                <td className="num">{d.attempt}</td>
                <td className={d.ok ? '' : 'error'}>{d.ok ? `delivered (${d.status})` : (d.error ?? `answered ${d.status}`)}{d.outcome === 'given up' ? ', given up' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
