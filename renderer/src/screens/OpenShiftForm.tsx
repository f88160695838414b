import { useState } from 'react';
import { showDayClose, showLastReport, startShift, useDay } from '../app/day-store.ts';

/**
 * Opening a shift with the float counted into the drawer. Shown by the day close, and by the sell screen
 * while no shift is open: selling needs one, or its sales would be in no Z report.
 */
export function OpenShiftForm({ money, intro }: { money: (n: number) => string; intro: string }) {
  const busy = useDay((s) => s.busy);
  const lastClosed = useDay((s) => s.lastClosed);
  const [float, setFloat] = useState('');
  return (
    <form
      className="card shift-open"
      aria-label="Open shift"
      onSubmit={(e) => {
        e.preventDefault();
        void startShift(float).then(() => setFloat(''));
      }}
    >
      <h2>No shift is open</h2>
      <p className="muted">{intro}</p>
      <label>
        Opening float
        <input inputMode="decimal" autoComplete="off" autoFocus value={float} placeholder={money(0)} onChange={(e) => setFloat(e.target.value)} />
      </label>
      <div className="actions">
        {lastClosed && (
          <button type="button" className="ghost" onClick={() => void showDayClose().then(showLastReport)}>
            Last Z report
          </button>
        )}
        <button type="submit" className="primary big" disabled={busy}>
          Open shift
        </button>
      </div>
    </form>
  );
}
