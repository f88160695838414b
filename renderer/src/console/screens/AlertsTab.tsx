import { useEffect, useMemo, useState } from 'react';
import type { Alert, RejectedWrite } from '../../../../core/reports/alerts.ts';
import { zonedDateTime } from '../../../../core/reports/z-report.ts';
import { ev, useConsole, useEventState } from '../console-store.ts';
import { liveAlerts } from '../derive.ts';
import { AlertWebhook } from './AlertWebhook.tsx';

const KIND_LABEL: Record<Alert['kind'], string> = {
  'out-of-stock': 'Out of stock',
  'below-safety-stock': 'Below safety stock',
  'low-stock': 'Low stock',
  'refund-rate': 'Refund rate',
  'repeated-voids': 'Repeated voids',
  'price-override': 'Manual price',
  oversell: 'Manager oversell',
  'positive-adjustment': 'Stock added by adjustment',
  'outside-hours': 'Outside event hours',
  'rejected-write': 'Rejected write',
  'refund-beyond-rights': 'Refund beyond rights',
  'coupon-over-limit': 'Coupon over its limit',
};

/** The server's refused writes, re-read every 10 s: a till that keeps being refused needs a person. */
function useRejections(): RejectedWrite[] {
  const api = useConsole((s) => s.api);
  const eventId = useConsole((s) => s.eventId);
  const [rows, setRows] = useState<RejectedWrite[]>([]);
  useEffect(() => {
    if (!api || !eventId) return;
    let live = true;
    const load = () =>
      api
        .get<{ rejections: RejectedWrite[] }>(ev('/rejections'))
        .then((r) => live && setRows(r.rejections))
        .catch(() => undefined);
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, eventId]);
  return rows;
}

/** Stock and fraud alerts, evaluated over the live documents as they change (core/reports/alerts.ts rules). */
export function AlertsTab() {
  const state = useEventState();
  const rejections = useRejections();
  const [kind, setKind] = useState<'all' | Alert['kind']>('all');
  const alerts = useMemo(() => (state ? liveAlerts(state, rejections, Date.now()) : []), [state, rejections]);
  if (!state?.config) return <p className="muted">Waiting for the event's documents…</p>;
  const tz = state.config.timeZone;
  const shown = kind === 'all' ? alerts : alerts.filter((a) => a.kind === kind);
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  return (
    <div className="alerts-tab">
      <section className="card" aria-label="Alerts">
        <div className="card-head">
          <h2>
            Alerts <span className="muted">({alerts.length})</span>
          </h2>
          <label>
            <span className="sr-only">Show</span>
            <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} aria-label="Show alerts of kind">
              <option value="all">All kinds</option>
              {[...counts].map(([k, n]) => (
                <option key={k} value={k}>
                  {KIND_LABEL[k as Alert['kind']]} ({n})
                </option>
              ))}
            </select>
          </label>
        </div>
        {shown.length === 0 ? (
          <p className="muted">Nothing needs attention.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Severity</th>
                <th>Kind</th>
                <th>What</th>
                <th>When ({tz})</th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, 500).map((a) => (
                <tr key={a.id}>
                  <td className={`sev-${a.severity}`}>{a.severity}</td>
                  <td>{KIND_LABEL[a.kind]}</td>
                  <td>{a.message}</td>
                  <td>{zonedDateTime(a.at, tz)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <AlertWebhook />
    </div>
  );
}
