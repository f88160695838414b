import { useState, type FormEvent } from 'react';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { BrandsSetup, LocationsSetup } from './SetupPlaces.tsx';
import { DropSetup, PoliciesSetup } from './SetupEvent.tsx';
import { CreatorsSetup } from './SetupCreators.tsx';
import { TokensSetup } from './SetupTokens.tsx';

/**
 * Setting up the mall: brands, locations, the catalog, tills and their pairing codes, staff PINs and
 * storefront tokens. Every change goes to the server's API (which validates it and names a bad field); what
 * the setup document then holds comes back over the live sync and is listed here.
 */
export function SetupTab() {
  return (
    <div className="setup">
      <DropSetup />
      <BrandsSetup />
      <LocationsSetup />
      <CatalogImport />
      <TillsSetup />
      <StaffSetup />
      <CreatorsSetup />
      <PoliciesSetup />
      <TokensSetup />
    </div>
  );
}

function CatalogImport() {
  const state = useEventState();
  const [csv, setCsv] = useState('');
  const [file, setFile] = useState('');
  const api = useConsole((s) => s.api)!;
  const products = state ? [...state.byBrand.values()].reduce((n, b) => n + b.products.size, 0) : 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await act(() => api.postCsv<{ imported: number }>(ev('/catalog'), csv));
    if (r) useConsole.setState({ flash: { kind: 'ok', text: `Imported ${r.imported} product(s)` } });
  };
  return (
    <section className="card" aria-label="Catalog">
      <h2>Catalog</h2>
      <p className="muted">
        {products} product(s) in {state?.brands.length ?? 0} brand(s). Import a CSV with the columns sku, brand, name, variant, barcodes, price, cost, margin_floor_pct, tax_rate_pct, hero,
        low_stock_threshold, safety_stock, serial_tracked: all rows or none, each problem named by line and column.
      </p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label>
          Catalog file (CSV)
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              setFile(f.name);
              void f.text().then(setCsv);
            }}
          />
        </label>
        <label>
          Or paste the CSV
          <textarea rows={4} value={csv} onChange={(e) => setCsv(e.target.value)} spellCheck={false} />
        </label>
        <button type="submit" className="primary" disabled={!csv.trim()}>
          Import catalog{file ? ` (${file})` : ''}
        </button>
      </form>
    </section>
  );
}

interface PairingCode {
  code: string;
  expiresAt: number;
  tillId: string;
  receiptPrefix: string;
  repair?: boolean;
}

function TillsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [name, setName] = useState('');
  const [locationId, setLocationId] = useState('');
  const [brandIds, setBrandIds] = useState<string[]>([]);
  const [codes, setCodes] = useState<(PairingCode & { name: string })[]>([]);
  const [confirming, setConfirming] = useState<string | undefined>();
  if (!state) return null;
  // A re-pair code moves a paired till to a new device (a lost or broken one): redeeming it retires the
  // device paired now and revokes its token.
  const repair = async (tillId: string, tillName: string) => {
    setConfirming(undefined);
    const r = await act(() => api.post<PairingCode>(ev(`/tills/${encodeURIComponent(tillId)}/pairing-code`), { repair: true }));
    if (r) {
      setCodes([{ ...r, name: tillName }, ...codes]);
      useConsole.setState({ flash: { kind: 'ok', text: `Re-pair code for ${tillName}: ${r.code}. The device that pairs with it replaces the current one.` } });
    }
  };
  const places = state.locations.filter((l) => l.kind === 'booth' || l.kind === 'hub' || l.kind === 'pickup');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await act(() => api.post<PairingCode>(ev('/pairing-codes'), { name: name.trim(), locationId, brandIds }));
    if (r) {
      setCodes([{ ...r, name: name.trim() }, ...codes]);
      useConsole.setState({ flash: { kind: 'ok', text: `Pairing code for ${name.trim()}: ${r.code}` } });
      setName('');
    }
  };
  return (
    <section className="card" aria-label="Tills">
      <h2>Tills</h2>
      <table>
        <thead>
          <tr>
            <th>Till</th>
            <th>Location</th>
            <th>Brands</th>
            <th>Receipts</th>
            <th>Device</th>
          </tr>
        </thead>
        <tbody>
          {state.tills.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{state.locations.find((l) => l.id === t.locationId)?.name ?? t.locationId}</td>
              <td>{t.brandIds.map((b) => state.brands.find((x) => x.id === b)?.name ?? b).join(', ')}</td>
              <td>{t.receiptPrefix}-…</td>
              <td>
                <code className="muted">{t.deviceId}</code>{' '}
                {confirming === t.id ? (
                  <>
                    <button type="button" className="danger" onClick={() => void repair(t.id, t.name)}>
                      Yes, make a re-pair code
                    </button>{' '}
                    <button type="button" onClick={() => setConfirming(undefined)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <button type="button" onClick={() => setConfirming(t.id)} aria-label={`Re-pair ${t.name}`}>
                    Re-pair…
                  </button>
                )}
              </td>
            </tr>
          ))}
          {state.tills.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No till is paired yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {codes.length > 0 && (
        <ul className="codes" aria-label="Pairing codes">
          {codes.map((c) => (
            <li key={c.code}>
              <strong>{c.name}</strong>: <code className="pairing-code">{c.code}</code> <span className="muted">
                (till {c.tillId}, {c.repair ? `re-pair: the device that pairs with it replaces the current one and prints receipts ${c.receiptPrefix}-…, ` : ''}valid until{' '}
                {new Date(c.expiresAt).toLocaleString()})
              </span>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Till name
          <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="Booth A till" />
        </label>
        <label>
          Location
          <select value={locationId} onChange={(e) => setLocationId(e.target.value)} required>
            <option value="">Choose…</option>
            {places.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="wide">
          <legend>Brands it sells</legend>
          {state.brands.map((b) => (
            <label key={b.id} className="check">
              <input type="checkbox" checked={brandIds.includes(b.id)} onChange={(e) => setBrandIds(e.target.checked ? [...brandIds, b.id] : brandIds.filter((x) => x !== b.id))} />
              {b.name}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={brandIds.length === 0}>
          Make pairing code
        </button>
      </form>
    </section>
  );
}

function StaffSetup() {
  const api = useConsole((s) => s.api)!;
  const [f, setF] = useState({ id: '', name: '', role: 'cashier', pin: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await act(() => api.post<{ staff: { id: string }[] }>(ev('/staff'), { staff: [{ ...f, id: f.id.trim(), name: f.name.trim() }] }), `${f.name.trim()} can sign in on every till of the event`);
    if (r) setF({ id: '', name: '', role: 'cashier', pin: '' });
  };
  return (
    <section className="card" aria-label="Staff">
      <h2>Staff</h2>
      <p className="muted">PINs are stored only as salted hashes; tills check them offline. A manager approves oversells, big refunds and price changes.</p>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Staff id
          <input value={f.id} onChange={(e) => setF({ ...f, id: e.target.value })} required pattern="[a-z0-9][a-z0-9\-]{0,47}" />
        </label>
        <label>
          Name
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
        </label>
        <label>
          Role
          <select value={f.role} onChange={(e) => setF({ ...f, role: e.target.value })}>
            <option value="cashier">cashier</option>
            <option value="manager">manager</option>
          </select>
        </label>
        <label>
          PIN (4–8 digits)
          <input value={f.pin} onChange={(e) => setF({ ...f, pin: e.target.value })} required inputMode="numeric" pattern="[0-9]{4,8}" type="password" autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          Save staff member
        </button>
      </form>
    </section>
  );
}
