import { useEffect, useState, type FormEvent } from 'react';
import { formatMoney, minorDigits, parseMoney } from '../../../../core/base/money.ts';
import { epochToZonedLocal } from '../../../../core/base/zoned-time.ts';
import { discountCaps, type Coupon } from '../../../../core/selling/discounts.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { usePolledList } from '../use-polled.ts';
import { SetupList } from './SetupList.tsx';

/** A coupon as `GET …/coupons` lists it: with the sales that used it so far. */
export type CouponRow = Coupon & { uses: number };

/** Caps are basis points on the wire; the organiser types a percentage (12.5 → 1250). */
const toBp = (percent: string): number => Math.round(Number(percent) * 100);
const fromBp = (bp: number): string => String(bp / 100);

/**
 * How much a cashier and a supervisor may take off a line without a manager's PIN (the event's
 * `policies.discountCaps`). A manager needs no cap: they approve the rest.
 */
export function DiscountCapsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const config = state?.config;
  const [f, setF] = useState<{ cashier: string; supervisor: string } | undefined>();
  useEffect(() => {
    if (!config || f) return;
    const caps = discountCaps(config.policies);
    setF({ cashier: fromBp(caps.cashier), supervisor: fromBp(caps.supervisor) });
  }, [config, f]);
  if (!config || !f) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(
      () => api.request('PATCH', ev(), { policies: { discountCaps: { cashier: toBp(f.cashier), supervisor: toBp(f.supervisor) } } }),
      `Discount caps saved: a cashier up to ${f.cashier} %, a supervisor up to ${f.supervisor} %; tills pick them up as they sync`,
    );
  };
  return (
    <section className="card" aria-label="Discount caps">
      <h2>Discount caps</h2>
      <p className="muted">
        What each role may take off a line (its own discounts and the whole sale's together) without a manager. Beyond it, or below a product's margin floor, a manager
        approves with their PIN.
      </p>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Cashier may give up to (%)
          <input type="number" min={0} max={100} step="0.01" value={f.cashier} onChange={(e) => setF({ ...f, cashier: e.target.value })} required />
        </label>
        <label>
          Supervisor may give up to (%)
          <input type="number" min={0} max={100} step="0.01" value={f.supervisor} onChange={(e) => setF({ ...f, supervisor: e.target.value })} required />
        </label>
        <button type="submit" className="primary">
          Save caps
        </button>
      </form>
    </section>
  );
}

interface CouponForm {
  code: string;
  name: string;
  brandId: string;
  skus: string;
  kind: 'percent' | 'amount';
  value: string;
  validFrom: string;
  validUntil: string;
  usageLimit: string;
  creatorCode: string;
}

const blank = (from: string, until: string): CouponForm => ({ code: '', name: '', brandId: '', skus: '', kind: 'percent', value: '', validFrom: from, validUntil: until, usageLimit: '', creatorCode: '' });

/**
 * Coupons: made and changed here (one brand each; its uses are counted in that brand's document), listed with
 * their uses so far. A coupon is never deleted, since a till that sold offline with it is judged by it: "End
 * now" moves its end to this minute. Uses past the limit (tills that were offline) are shown in red and raise
 * an alert.
 */
export function CouponsSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const { items: coupons, reload } = usePolledList<CouponRow>('/coupons', 'coupons', 15_000);
  const config = state?.config;
  const [f, setF] = useState<CouponForm | undefined>();
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!config || f) return;
    setF(blank(epochToZonedLocal(config.drop.startsAt, config.timeZone), epochToZonedLocal(config.drop.endsAt, config.timeZone)));
  }, [config, f]);
  if (!state || !config || !f) return null;
  const money = (m: number) => formatMoney(m, config.currency, config.locale);
  const brandName = (id: string) => state.brands.find((b) => b.id === id)?.name ?? id;
  const valueOf = (c: Coupon) => (c.percentBp !== undefined ? `${c.percentBp / 100} % off` : `${money(c.amount ?? 0)} off`);
  const reset = () => {
    setF(blank(epochToZonedLocal(config.drop.startsAt, config.timeZone), epochToZonedLocal(config.drop.endsAt, config.timeZone)));
    setEditing(false);
  };
  const save = async (code: string, body: Omit<Coupon, 'code'>, done: string) => {
    const r = await act(() => api.put<{ coupon: Coupon }>(ev(`/coupons/${encodeURIComponent(code)}`), body), done);
    if (r) reload();
    return r !== undefined;
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const code = f.code.trim();
    const skus = f.skus
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    let value: { percentBp: number } | { amount: number };
    try {
      value = f.kind === 'percent' ? { percentBp: toBp(f.value) } : { amount: parseMoney(f.value, config.currency) };
    } catch (err) {
      useConsole.setState({ flash: { kind: 'error', text: `Value: ${(err as Error).message}` } });
      return;
    }
    const body: Omit<Coupon, 'code'> = {
      name: f.name.trim(),
      brandId: f.brandId,
      ...(skus.length ? { skus } : {}),
      ...value,
      validFrom: f.validFrom,
      validUntil: f.validUntil,
      ...(f.usageLimit.trim() ? { usageLimit: Number(f.usageLimit) } : {}),
      ...(f.creatorCode ? { creatorCode: f.creatorCode } : {}),
    };
    if (await save(code, body, `Coupon ${code} saved: tills take it as they sync`)) reset();
  };
  const endNow = (c: CouponRow) => {
    const { code, uses: _uses, ...rest } = c;
    return save(code, { ...rest, validUntil: epochToZonedLocal(Date.now(), config.timeZone) }, `Coupon ${code} ended: tills refuse it from now on`);
  };
  const edit = (c: CouponRow) => {
    setF({
      code: c.code,
      name: c.name,
      brandId: c.brandId,
      skus: (c.skus ?? []).join(', '),
      kind: c.percentBp !== undefined ? 'percent' : 'amount',
      value: c.percentBp !== undefined ? fromBp(c.percentBp) : (c.amount! / 10 ** minorDigits(config.currency)).toFixed(minorDigits(config.currency)),
      validFrom: c.validFrom,
      validUntil: c.validUntil,
      usageLimit: c.usageLimit === undefined ? '' : String(c.usageLimit),
      creatorCode: c.creatorCode ?? '',
    });
    setEditing(true);
  };
  const now = epochToZonedLocal(Date.now(), config.timeZone);
  return (
    <section className="card" aria-label="Coupons">
      <h2>Coupons</h2>
      <p className="muted">
        A coupon belongs to one brand, which bears its cost. Cashiers type or scan its code at the till; a coupon with a creator credits the sale to them, as their link does.
        Times are in {config.timeZone}; the end is exclusive.
      </p>
      <div className="coupon-list">
        <SetupList
          label="Coupon list"
          columns={[{ header: 'Code' }, { header: 'Name' }, { header: 'Brand' }, { header: 'Takes off' }, { header: 'Valid' }, { header: 'Uses', num: true }, { header: 'Creator' }]}
          rows={coupons.map((c) => {
            const over = c.usageLimit !== undefined && c.uses > c.usageLimit;
            const ended = c.validUntil <= now;
            // Each cell says what it is ("3 of 50 used", "credits LENA10"): on a phone the list stacks without its header.
            return {
              key: c.code,
              cells: [
                <code key="code">{c.code}</code>,
                c.name,
                brandName(c.brandId),
                <>
                  {valueOf(c)}
                  {c.skus?.length ? <span className="muted"> on {c.skus.join(', ')}</span> : null}
                </>,
                <>
                  {c.validFrom.replace('T', ' ')} to {c.validUntil.replace('T', ' ')}
                  {ended && <span className="muted"> (ended)</span>}
                </>,
                <span key="uses" className={over ? 'error' : undefined} aria-label={over ? `${c.uses} uses, over its limit of ${c.usageLimit}` : undefined}>
                  {c.usageLimit !== undefined ? `${c.uses} of ${c.usageLimit} used` : `${c.uses} used`}
                  {over ? ': over the limit' : ''}
                </span>,
                c.creatorCode ? `credits ${c.creatorCode}` : '',
              ],
              actions: (
                <>
                  <button type="button" className="ghost" aria-label={`Edit coupon ${c.code}`} onClick={() => edit(c)}>
                    Edit
                  </button>
                  {!ended && (
                    <button type="button" className="ghost" aria-label={`End coupon ${c.code} now`} onClick={() => void endNow(c)}>
                      End now
                    </button>
                  )}
                </>
              ),
            };
          })}
          empty="No coupons yet: make one below."
        />
      </div>
      <form onSubmit={(e) => void submit(e)} className="form-grid coupon-form" aria-label={editing ? `Change coupon ${f.code}` : 'New coupon'}>
        <label>
          Code
          <input value={f.code} onChange={(e) => setF({ ...f, code: e.target.value })} required readOnly={editing} pattern="[A-Za-z0-9][A-Za-z0-9_\-]{1,31}" placeholder="SUMMER10" />
        </label>
        <label>
          Name on the receipt
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required placeholder="Summer 10 %" />
        </label>
        <label>
          Brand
          <select value={f.brandId} onChange={(e) => setF({ ...f, brandId: e.target.value })} required disabled={editing}>
            <option value="">Choose…</option>
            {state.brands.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Products (SKUs; empty: all of the brand's)
          <input value={f.skus} onChange={(e) => setF({ ...f, skus: e.target.value })} placeholder="NT-TOTE, NT-CAP" />
        </label>
        <label>
          Takes off
          <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value as CouponForm['kind'] })}>
            <option value="percent">a percentage</option>
            <option value="amount">an amount ({config.currency})</option>
          </select>
        </label>
        <label>
          {f.kind === 'percent' ? 'Percent off' : `Amount off (${config.currency})`}
          <input type="number" min={f.kind === 'percent' ? 0.01 : 0.01} max={f.kind === 'percent' ? 100 : undefined} step="0.01" value={f.value} onChange={(e) => setF({ ...f, value: e.target.value })} required />
        </label>
        <label>
          Valid from
          <input type="datetime-local" value={f.validFrom} onChange={(e) => setF({ ...f, validFrom: e.target.value })} required />
        </label>
        <label>
          Valid until
          <input type="datetime-local" value={f.validUntil} onChange={(e) => setF({ ...f, validUntil: e.target.value })} required />
        </label>
        <label>
          Limit of uses (empty: none)
          <input type="number" min={1} step={1} value={f.usageLimit} onChange={(e) => setF({ ...f, usageLimit: e.target.value })} />
        </label>
        <label>
          Creator credited
          <select value={f.creatorCode} onChange={(e) => setF({ ...f, creatorCode: e.target.value })}>
            <option value="">None</option>
            {state.creators.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name} ({c.code})
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          {editing ? `Save coupon ${f.code}` : 'Save coupon'}
        </button>
        {editing && (
          <button type="button" onClick={reset}>
            Cancel
          </button>
        )}
      </form>
    </section>
  );
}
