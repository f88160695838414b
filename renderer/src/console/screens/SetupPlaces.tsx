import { useState, type FormEvent } from 'react';
import { LOCATION_KINDS, type Brand, type Location } from '../../../../core/event/event.ts';
import { formatMoney, minorDigits, parseMoney } from '../../../../core/base/money.ts';
import { act, useConsole, useEventState } from '../console-store.ts';
import { putBrand, putLocation } from '../setup-api.ts';
import { SetupList } from './SetupList.tsx';

/** Brands (commission and booth fee, which settlement uses) and locations (with coordinates, which routing uses). */
export function BrandsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const [f, setF] = useState({ id: '', name: '', commission: '15', boothFee: '150' });
  if (!state?.config) return null;
  const { currency, locale } = state.config;
  const edit = (b: Brand) => setF({ id: b.id, name: b.name, commission: String(b.commissionBp / 100), boothFee: (b.boothFee / 10 ** minorDigits(currency)).toFixed(minorDigits(currency)) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const brand: Brand = { id: f.id.trim(), name: f.name.trim(), commissionBp: Math.round(Number(f.commission) * 100), boothFee: parseMoney(f.boothFee, currency) };
    if (await act(() => putBrand(api, brand), `Brand ${brand.name} saved`)) setF({ id: '', name: '', commission: f.commission, boothFee: f.boothFee });
  };
  return (
    <section className="card" aria-label="Brands">
      <h2>Brands</h2>
      <SetupList
        label="Brands"
        columns={[{ header: 'Brand' }, { header: 'Commission', num: true }, { header: 'Booth fee', num: true }]}
        rows={state.brands.map((b) => ({
          key: b.id,
          cells: [
            <>
              {b.name} <span className="muted">{b.id}</span>
            </>,
            `${(b.commissionBp / 100).toLocaleString(locale)} %`,
            formatMoney(b.boothFee, currency, locale),
          ],
          actions: (
            <button type="button" className="ghost" onClick={() => edit(b)} aria-label={`Edit ${b.name}`}>
              Edit
            </button>
          ),
        }))}
        empty="No brand yet: add the first below (its id is what the catalog's brand column names)."
      />
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Brand id
          <input value={f.id} onChange={(e) => setF({ ...f, id: e.target.value })} required pattern="[a-z0-9][a-z0-9\-]{0,47}" />
        </label>
        <label>
          Brand name
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
        </label>
        <label>
          Commission %
          <input type="number" min={0} max={100} step="0.01" value={f.commission} onChange={(e) => setF({ ...f, commission: e.target.value })} required />
        </label>
        <label>
          Booth fee
          <input type="number" min={0} step="0.01" value={f.boothFee} onChange={(e) => setF({ ...f, boothFee: e.target.value })} required />
        </label>
        <button type="submit" className="primary">
          Save brand
        </button>
      </form>
    </section>
  );
}

export function LocationsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const empty = { id: '', kind: 'booth', name: '', address: '', lat: '', lon: '', openingHours: '' };
  const [f, setF] = useState(empty);
  if (!state) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const loc: Location = { id: f.id.trim(), kind: f.kind as Location['kind'], name: f.name.trim() };
    if (f.address.trim()) loc.address = f.address.trim();
    if (f.lat.trim()) loc.lat = Number(f.lat);
    if (f.lon.trim()) loc.lon = Number(f.lon);
    // Kept on every save: a location saved without it would lose the hours its tracking page shows shoppers.
    if (f.openingHours.trim()) loc.openingHours = f.openingHours.trim();
    if (await act(() => putLocation(api, loc), `Location ${loc.name} saved`)) setF(empty);
  };
  return (
    <section className="card" aria-label="Locations">
      <h2>Locations</h2>
      <SetupList
        label="Locations"
        columns={[{ header: 'Location' }, { header: 'Kind' }, { header: 'Address' }, { header: 'Opening hours' }, { header: 'Coordinates' }]}
        rows={state.locations.map((l) => ({
          key: l.id,
          cells: [
            <>
              {l.name} <span className="muted">{l.id}</span>
            </>,
            l.kind,
            l.address ?? '',
            l.openingHours ?? '',
            l.lat !== undefined && l.lon !== undefined ? `${l.lat.toFixed(4)}, ${l.lon.toFixed(4)}` : <span className="muted">none</span>,
          ],
          actions: (
            <button type="button" className="ghost" aria-label={`Edit ${l.name}`} onClick={() => setF({ id: l.id, kind: l.kind, name: l.name, address: l.address ?? '', lat: l.lat?.toString() ?? '', lon: l.lon?.toString() ?? '', openingHours: l.openingHours ?? '' })}>
              Edit
            </button>
          ),
        }))}
        empty="No location yet: add the reserve, each booth and any hub below."
      />
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Location id
          <input value={f.id} onChange={(e) => setF({ ...f, id: e.target.value })} required pattern="[a-z0-9][a-z0-9\-]{0,47}" />
        </label>
        <label>
          Kind
          <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value })}>
            {LOCATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Location name
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
        </label>
        <label>
          Address
          <input value={f.address} onChange={(e) => setF({ ...f, address: e.target.value })} />
        </label>
        <label>
          Opening hours (shown to shoppers collecting here)
          <input value={f.openingHours} maxLength={200} placeholder="Sat–Sun 10:00–19:00" onChange={(e) => setF({ ...f, openingHours: e.target.value })} />
        </label>
        <label>
          Latitude
          <input type="number" step="any" min={-90} max={90} value={f.lat} onChange={(e) => setF({ ...f, lat: e.target.value })} />
        </label>
        <label>
          Longitude
          <input type="number" step="any" min={-180} max={180} value={f.lon} onChange={(e) => setF({ ...f, lon: e.target.value })} />
        </label>
        <button type="submit" className="primary">
          Save location
        </button>
      </form>
    </section>
  );
}
