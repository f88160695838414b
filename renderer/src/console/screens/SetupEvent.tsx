import { useEffect, useState, type FormEvent } from 'react';
import type { DiscountTier } from '../../../../core/selling/pricing.ts';
import { minorDigits, parseMoney } from '../../../../core/base/money.ts';
import { epochToZonedLocal, zonedLocalToEpoch } from '../../../../core/base/zoned-time.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';

/** The drop (times in the event's zone, discount tiers), the page creator links lead to, and the policies. */
export function DropSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const config = state?.config;
  const [f, setF] = useState<{ startsAt: string; endsAt: string; dropUrl: string; tiers: string } | undefined>();
  useEffect(() => {
    if (!config || f) return;
    setF({
      startsAt: epochToZonedLocal(config.drop.startsAt, config.timeZone),
      endsAt: epochToZonedLocal(config.drop.endsAt, config.timeZone),
      dropUrl: config.dropUrl ?? '',
      tiers: config.drop.tiers.map((t) => `${t.label} | ${t.percentOffBp / 100} | ${t.untilMinute ?? ''}`).join('\n'),
    });
  }, [config, f]);
  if (!config || !f) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(async () => {
      const tiers: DiscountTier[] = f.tiers
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((line, i) => {
          const [label = '', pct = '', until = ''] = line.split('|').map((x) => x.trim());
          const percent = Number(pct);
          if (!label || !Number.isFinite(percent)) throw new Error(`tier line ${i + 1}: write "label | percent off | until minute (empty: to the end)"`);
          return { id: label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `tier-${i + 1}`, label, percentOffBp: Math.round(percent * 100), untilMinute: until === '' ? null : Number(until) };
        });
      const drop = { startsAt: zonedLocalToEpoch(f.startsAt, config.timeZone), endsAt: zonedLocalToEpoch(f.endsAt, config.timeZone), tiers };
      return api.request('PATCH', ev(), { drop, dropUrl: f.dropUrl.trim() || null });
    }, 'Drop saved: tills pick it up as they sync');
  };
  return (
    <section className="card" aria-label="Drop">
      <h2>The drop</h2>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Starts ({config.timeZone})
          <input type="datetime-local" value={f.startsAt} onChange={(e) => setF({ ...f, startsAt: e.target.value })} required />
        </label>
        <label>
          Ends ({config.timeZone})
          <input type="datetime-local" value={f.endsAt} onChange={(e) => setF({ ...f, endsAt: e.target.value })} required />
        </label>
        <label className="wide">
          Drop page (where creator links lead)
          <input type="url" value={f.dropUrl} onChange={(e) => setF({ ...f, dropUrl: e.target.value })} placeholder="https://shop.example.com/drop" />
        </label>
        <label className="wide">
          Discount tiers, one per line: label | percent off | until minute (empty: to the end)
          <textarea rows={3} value={f.tiers} onChange={(e) => setF({ ...f, tiers: e.target.value })} spellCheck={false} />
        </label>
        <button type="submit" className="primary">
          Save drop
        </button>
      </form>
    </section>
  );
}

export function PoliciesSetup() {
  const state = useEventState();
  const api = useConsole((s) => s.api)!;
  const config = state?.config;
  const [f, setF] = useState<{ returnsDays: string; defect: string; returnsText: string; warrantyText: string; pickupText: string } | undefined>();
  useEffect(() => {
    if (!config || f) return;
    const p = config.policies;
    setF({ returnsDays: String(p.returnsDays), defect: (p.defectRefundLimit / 10 ** minorDigits(config.currency)).toFixed(minorDigits(config.currency)), returnsText: p.returnsText, warrantyText: p.warrantyText, pickupText: p.pickupText });
  }, [config, f]);
  if (!config || !f) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await act(
      () =>
        api.request('PATCH', ev(), {
          policies: { returnsDays: Number(f.returnsDays), defectRefundLimit: parseMoney(f.defect, config.currency), returnsText: f.returnsText, warrantyText: f.warrantyText, pickupText: f.pickupText },
        }),
      'Policies saved: printed on receipts and published to the storefront',
    );
  };
  return (
    <section className="card" aria-label="Policies">
      <h2>Policies</h2>
      <p className="muted">
        Published as JSON at <code>{ev('/policies')}</code> for the web shop, and printed on receipts.
      </p>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Returns window (days)
          <input type="number" min={0} max={365} value={f.returnsDays} onChange={(e) => setF({ ...f, returnsDays: e.target.value })} required />
        </label>
        <label>
          Defects refunded without a manager up to
          <input type="number" min={0} step="0.01" value={f.defect} onChange={(e) => setF({ ...f, defect: e.target.value })} required />
        </label>
        <label className="wide">
          Returns policy
          <input value={f.returnsText} onChange={(e) => setF({ ...f, returnsText: e.target.value })} />
        </label>
        <label className="wide">
          Warranty
          <input value={f.warrantyText} onChange={(e) => setF({ ...f, warrantyText: e.target.value })} />
        </label>
        <label className="wide">
          Pick-up
          <input value={f.pickupText} onChange={(e) => setF({ ...f, pickupText: e.target.value })} />
        </label>
        <button type="submit" className="primary">
          Save policies
        </button>
      </form>
    </section>
  );
}
