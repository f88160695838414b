import { useCallback, useEffect, useState } from 'react';
import { zonedDateTime } from '../../../../core/reports/z-report.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';

interface QueueView {
  enabled: boolean;
  admitPerSecond?: number;
  admissionStartsAt?: number;
  soldOut?: boolean;
}

/**
 * The drop's waiting room (docs/api.md, "Waiting room"): on or off, and how many shoppers it lets in a
 * second. Turning it on starts admission at the drop's start, or now if the drop is already open.
 */
export function WaitingRoom() {
  const api = useConsole((s) => s.api)!;
  const state = useEventState();
  const [view, setView] = useState<QueueView | undefined>();
  const [enabled, setEnabled] = useState(false);
  const [rate, setRate] = useState('50');
  const load = useCallback(async () => {
    const v = await api.get<QueueView>(ev('/queue'));
    setView(v);
    setEnabled(v.enabled);
    if (v.admitPerSecond) setRate(String(v.admitPerSecond));
  }, [api]);
  useEffect(() => void load().catch(() => undefined), [load]);
  const tz = state?.config?.timeZone ?? 'UTC';
  const save = async () => {
    const v = await act(() => api.put<QueueView>(ev('/queue'), { enabled, admitPerSecond: Number(rate) }), enabled ? `Waiting room on: ${rate} shoppers a second` : 'Waiting room off: shoppers buy directly');
    if (v) setView(v);
  };
  return (
    <section className="card" aria-label="Waiting room">
      <h2>Waiting room</h2>
      <p className="muted">
        For a hype drop: shoppers who arrive get a place in line and are let in at the rate you set, so the shop stays fast and a script gains nothing over a person.
        {view?.enabled && view.admissionStartsAt !== undefined && ` Letting shoppers in from ${zonedDateTime(view.admissionStartsAt, tz)}.`}
        {view?.soldOut && ' The drop is sold out: no one more is let in.'}
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Waiting room on
        </label>
        <label>
          Shoppers let in a second
          <input type="number" min={1} max={10000} step={1} required value={rate} onChange={(e) => setRate(e.target.value)} />
        </label>
        <button type="submit">Save waiting room</button>
      </form>
    </section>
  );
}
