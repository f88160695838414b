import { useState } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import type { StaffMember } from '../../../core/event/staff.ts';
import { usePos } from '../app/pos-store.ts';
import { desktop } from '../platform/desktop.ts';
import { HubPanel } from './HubPanel.tsx';
import { ManagerApproval } from './ManagerApproval.tsx';
import { PrinterSettingsPanel } from './PrinterSettingsPanel.tsx';

/**
 * The desktop app's manager tools on the Close day screen: open the cash drawer with no sale, and the
 * printer and LAN hub settings. Both need a manager's PIN (on a till with staff); each drawer opening is
 * written to the audit log with the manager who approved it. Not shown in a browser (no drawer, no hub).
 */
export function DesktopTools() {
  const store = usePos((s) => s.store);
  const [asking, setAsking] = useState<'drawer' | 'settings' | undefined>();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [note, setNote] = useState<{ error: boolean; text: string } | undefined>();
  const d = desktop();
  if (!d || !store) return null;
  const needsPin = store.staff().length > 0;

  const openDrawer = async (manager: StaffMember | undefined) => {
    setAsking(undefined);
    try {
      const out = await d.openDrawer({ reason: 'manager' });
      await store.recordDrawerOpening({ cashierId: manager?.id ?? 'till', wallTime: Date.now(), reason: 'manager' });
      setNote({ error: false, text: `Drawer opened (${out.printer})` });
    } catch (err) {
      setNote({ error: true, text: `The drawer did not open: ${toTagged(err).message}` });
    }
  };
  const ask = (what: 'drawer' | 'settings') => {
    if (needsPin) setAsking(what);
    else if (what === 'drawer') void openDrawer(undefined);
    else setSettingsOpen(true);
  };

  return (
    <>
      <section className="card" aria-label="Drawer and printer">
        <h2>Drawer and printer</h2>
        <p className="muted">Open the cash drawer with no sale, or set this till&rsquo;s receipt printer and LAN hub. A manager approves either.</p>
        {asking && (
          <ManagerApproval
            what={asking === 'drawer' ? 'Open the cash drawer with no sale: a manager approves, and it goes in the audit log.' : 'Printer and LAN hub settings are for a manager.'}
            onApproved={(m) => (asking === 'drawer' ? void openDrawer(m) : (setAsking(undefined), setSettingsOpen(true)))}
            onCancel={() => setAsking(undefined)}
          />
        )}
        {note && (
          <p role={note.error ? 'alert' : 'status'} className={note.error ? 'error' : 'ok'}>
            {note.text}
          </p>
        )}
        {!asking && (
          <div className="actions">
            <button type="button" onClick={() => ask('drawer')}>
              Open drawer
            </button>
            <button type="button" onClick={() => (settingsOpen ? setSettingsOpen(false) : ask('settings'))}>
              {settingsOpen ? 'Hide settings' : 'Printer and hub'}
            </button>
          </div>
        )}
      </section>
      {settingsOpen && (
        <div className="shift-grid" style={{ gridTemplateColumns: 'repeat(2, minmax(0, 1fr))' }}>
          <PrinterSettingsPanel />
          <HubPanel />
        </div>
      )}
    </>
  );
}
