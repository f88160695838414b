import { useEffect, useRef, useState, type FormEvent } from 'react';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { BrandsSetup, LocationsSetup } from './SetupPlaces.tsx';
import { DropSetup, PoliciesSetup } from './SetupEvent.tsx';
import { CreatorsSetup } from './SetupCreators.tsx';
import { CouponsSetup, DiscountCapsSetup } from './SetupDiscounts.tsx';
import { TokensSetup } from './SetupTokens.tsx';
import { SetupChecklist } from './SetupChecklist.tsx';
import { ProductsSetup } from './SetupProducts.tsx';
import { SetupList } from './SetupList.tsx';
import { useTokens } from '../use-tokens.ts';
import { CsvInput } from './CsvInput.tsx';

/**
 * Setting up the mall: brands, locations, the catalog, tills and their pairing codes, staff PINs and
 * storefront tokens. Every change goes to the server's API (which validates it and names a bad field); what
 * the setup document then holds comes back over the live sync and is listed here.
 */
export function SetupTab() {
  return (
    <div className="setup">
      <SetupChecklist />
      <DropSetup />
      <BrandsSetup />
      <LocationsSetup />
      <CatalogImport />
      <ProductsSetup />
      <TillsSetup />
      <StaffSetup />
      <CreatorsSetup />
      <CouponsSetup />
      <DiscountCapsSetup />
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
    const r = await act(() => api.postCsv<{ imported: number; received?: number }>(ev('/catalog'), csv));
    if (r) useConsole.setState({ flash: { kind: 'ok', text: `Imported ${r.imported} product(s)${r.received ? `, received ${r.received} unit(s) into the reserve` : ''}` } });
  };
  return (
    <section className="card" aria-label="Catalog">
      <h2>Catalog</h2>
      <p className="muted">
        {products} product(s) in {state?.brands.length ?? 0} brand(s). Import a CSV with the columns sku, brand, name, variant, barcodes, price, cost, margin_floor_pct, tax_rate_pct, hero,
        low_stock_threshold, safety_stock, serial_tracked, and receive_qty (units received into the reserve with the import): all rows or none, each problem named by line and column.
      </p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <CsvInput label="Catalog file (CSV)" csv={csv} onCsv={setCsv} onFile={setFile} />
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
  const { tokens, reload } = useTokens();
  // A till pairing (or re-pairing) issues its token: read the list again then, not only on the 30 s poll.
  const paired = state?.tills.map((t) => `${t.id}=${t.deviceId}`).join(',') ?? '';
  // Through a ref: `reload` is a new function each render, and depending on it would reload in a loop.
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => reloadRef.current(), [paired]);
  if (!state) return null;
  // Revoking a lost or stolen till's token shuts it out at once (its connections close, 4410): it can no
  // longer sync sales or receive stock. Re-pairing then moves the till, and its stock rights, to a new device.
  const revoke = async (tillId: string, tillName: string, ids: string[]) => {
    setConfirming(undefined);
    for (const id of ids) if ((await act(() => api.post(ev(`/tokens/${id}/revoke`), { reason: `${tillId} revoked in the organiser console` }))) === undefined) return;
    useConsole.setState({ flash: { kind: 'ok', text: `${tillName} is revoked: it can no longer sync. Re-pair it to go on selling on another device.` } });
    reload();
  };
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
      <SetupList
        label="Paired tills"
        columns={[{ header: 'Till' }, { header: 'Location' }, { header: 'Brands' }, { header: 'Receipts' }, { header: 'Device' }]}
        rows={state.tills.map((t) => {
          const live = tokens.filter((x) => x.tillId === t.id && x.revokedAt === undefined);
          return {
            key: t.id,
            cells: [
              t.name,
              state.locations.find((l) => l.id === t.locationId)?.name ?? t.locationId,
              t.brandIds.map((b) => state.brands.find((x) => x.id === b)?.name ?? b).join(', '),
              `${t.receiptPrefix}-…`,
              <>
                <code className="muted">{t.deviceId}</code>
                {live.length === 0 && tokens.length > 0 && <span className="error"> (revoked)</span>}
              </>,
            ],
            actions:
              confirming === t.id ? (
                <>
                  <button type="button" className="danger" onClick={() => void repair(t.id, t.name)}>
                    Yes, make a re-pair code
                  </button>
                  <button type="button" onClick={() => setConfirming(undefined)}>
                    Cancel
                  </button>
                </>
              ) : confirming === `revoke:${t.id}` ? (
                <>
                  <button type="button" className="danger" onClick={() => void revoke(t.id, t.name, live.map((x) => x.id))}>
                    Yes, revoke {t.name}
                  </button>
                  <button type="button" onClick={() => setConfirming(undefined)}>
                    Cancel
                  </button>
                </>
              ) : (
                <>
                  <button type="button" onClick={() => setConfirming(t.id)} aria-label={`Re-pair ${t.name}`}>
                    Re-pair…
                  </button>
                  {live.length > 0 && (
                    <button type="button" className="ghost" onClick={() => setConfirming(`revoke:${t.id}`)} aria-label={`Revoke ${t.name}`}>
                      Revoke…
                    </button>
                  )}
                </>
              ),
          };
        })}
        empty="No till is paired yet: make a pairing code below and type it on the till."
      />
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
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [f, setF] = useState({ id: '', name: '', role: 'cashier', pin: '' });
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState<string | undefined>();
  const staff = state?.staff ?? [];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await act(() => api.post<{ staff: { id: string }[] }>(ev('/staff'), { staff: [{ ...f, id: f.id.trim(), name: f.name.trim() }] }), `${f.name.trim()} can sign in on every till of the event`);
    if (r) {
      setF({ id: '', name: '', role: 'cashier', pin: '' });
      setEditing(false);
    }
  };
  const remove = async (m: { id: string; name: string }) => {
    setConfirming(undefined);
    await act(() => api.request('DELETE', ev(`/staff/${encodeURIComponent(m.id)}`)), `${m.name} is removed: their PIN stops working on each till as it syncs`);
  };
  return (
    <section className="card" aria-label="Staff">
      <h2>Staff</h2>
      <p className="muted">PINs are stored only as salted hashes; tills check them offline. A manager approves oversells, big refunds and price changes.</p>
      <SetupList
        label="Staff members"
        columns={[{ header: 'Name' }, { header: 'Role' }]}
        rows={staff.map((m) => ({
          key: m.id,
          cells: [
            <>
              {m.name} <span className="muted">{m.id}</span>
            </>,
            m.role,
          ],
          actions:
            confirming === m.id ? (
              <>
                <button type="button" className="danger" onClick={() => void remove(m)}>
                  Yes, remove {m.name}
                </button>
                <button type="button" onClick={() => setConfirming(undefined)}>
                  Cancel
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="ghost"
                  aria-label={`Edit ${m.name}`}
                  onClick={() => {
                    setF({ id: m.id, name: m.name, role: m.role, pin: '' });
                    setEditing(true);
                  }}
                >
                  Edit
                </button>
                <button type="button" className="ghost" aria-label={`Remove ${m.name}`} onClick={() => setConfirming(m.id)}>
                  Remove…
                </button>
              </>
            ),
        }))}
        empty="No staff yet: add each cashier and at least one manager below."
      />
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Staff id
          <input value={f.id} onChange={(e) => setF({ ...f, id: e.target.value })} required readOnly={editing} pattern="[a-z0-9][a-z0-9\-]{0,47}" />
        </label>
        <label>
          Name
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
        </label>
        <label>
          Role
          <select value={f.role} onChange={(e) => setF({ ...f, role: e.target.value })}>
            <option value="cashier">cashier</option>
            <option value="supervisor">supervisor (a higher discount cap)</option>
            <option value="manager">manager</option>
          </select>
        </label>
        <label>
          {editing ? 'New PIN (4–8 digits)' : 'PIN (4–8 digits)'}
          <input value={f.pin} onChange={(e) => setF({ ...f, pin: e.target.value })} required inputMode="numeric" pattern="[0-9]{4,8}" type="password" autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          {editing ? `Save ${f.name || 'staff member'}` : 'Save staff member'}
        </button>
        {editing && (
          <button
            type="button"
            onClick={() => {
              setF({ id: '', name: '', role: 'cashier', pin: '' });
              setEditing(false);
            }}
          >
            Cancel
          </button>
        )}
      </form>
    </section>
  );
}
