import { useEffect, useState } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import { desktop, type Desktop } from '../platform/desktop.ts';

type Settings = Awaited<ReturnType<Desktop['printerSettings']>>;
type Printer = Awaited<ReturnType<Desktop['listPrinters']>>[number];

/**
 * Which printer this till prints on (desktop app; a manager's job). Saved in the app's user-data folder, so
 * it survives a cleared browser cache; the main process checks every field again before saving.
 */
export function PrinterSettingsPanel() {
  const d = desktop();
  const [settings, setSettings] = useState<Settings | undefined>();
  const [printers, setPrinters] = useState<Printer[]>([]);
  const [note, setNote] = useState<{ error: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!d) return;
    d.printerSettings().then(setSettings, (err: unknown) => setNote({ error: true, text: toTagged(err).message }));
    d.listPrinters().then(setPrinters, (err: unknown) => setNote({ error: true, text: toTagged(err).message }));
  }, [d]);

  if (!d || !settings) return null;
  const edit = (patch: Partial<Settings>) => setSettings({ ...settings, ...patch });
  const save = async () => {
    setBusy(true);
    try {
      setSettings(await d.savePrinterSettings(settings));
      setNote({ error: false, text: 'Printer settings saved' });
    } catch (err) {
      setNote({ error: true, text: toTagged(err).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card"
      aria-label="Receipt printer"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>Receipt printer</h2>
      <label>
        Printer
        <select value={settings.kind} onChange={(e) => edit({ kind: e.target.value as Settings['kind'] })}>
          <option value="none">None: use the print dialog</option>
          <option value="network">Network thermal printer (ESC/POS)</option>
          <option value="system">Printer installed on this computer</option>
        </select>
      </label>
      {settings.kind === 'network' && (
        <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 2fr) minmax(0, 1fr)', gap: '0.6rem' }}>
          <label>
            Address
            <input value={settings.host} placeholder="192.168.1.50" autoComplete="off" style={{ minWidth: 0 }} onChange={(e) => edit({ host: e.target.value })} />
          </label>
          <label>
            Port
            <input inputMode="numeric" value={String(settings.port)} style={{ minWidth: 0 }} onChange={(e) => edit({ port: Number(e.target.value.replace(/\D/g, '')) || 0 })} />
          </label>
        </div>
      )}
      {settings.kind === 'system' && (
        <label>
          Installed printer
          <select value={settings.deviceName} onChange={(e) => edit({ deviceName: e.target.value })}>
            <option value="">Choose a printer…</option>
            {printers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.displayName || p.name}
                {p.isDefault ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {settings.kind !== 'none' && (
        <label>
          Paper width
          <select value={settings.paperWidth} onChange={(e) => edit({ paperWidth: Number(e.target.value) as Settings['paperWidth'] })}>
            <option value={80}>80 mm (48 characters)</option>
            <option value={58}>58 mm (32 characters)</option>
          </select>
        </label>
      )}
      {settings.kind === 'network' && (
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '0.6rem' }}>
          <input type="checkbox" checked={settings.drawerOnCash} onChange={(e) => edit({ drawerOnCash: e.target.checked })} style={{ minHeight: 0, width: '1.3rem', height: '1.3rem' }} />
          Open the cash drawer after a cash sale
        </label>
      )}
      {note && (
        <p role={note.error ? 'alert' : 'status'} className={note.error ? 'error' : 'ok'}>
          {note.text}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Save printer
        </button>
      </div>
    </form>
  );
}
