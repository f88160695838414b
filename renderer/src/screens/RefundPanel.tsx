import { useEffect, useState } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import { ManagerApprovalRequired, REFUND_REASONS, ReturnWindowClosed, returnable, whereMoneyGoes } from '../../../core/refunds/refund-builder.ts';
import { NoRefundRightsError } from '../../../core/refunds/refund-rights.ts';
import { ManagerApproval } from './ManagerApproval.tsx';
import { RefundReceipt } from './RefundReceipt.tsx';
import type { Refund } from '../../../core/refunds/refund.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { closeRefund, usePos } from '../app/pos-store.ts';

/**
 * Returns, offline too: find the sale by its receipt number (typed or scanned from the receipt), pick the
 * units and a templated reason; defective items up to the event's limit go through without a manager.
 * A till refunds only units whose refund rights it holds (core/refunds/refund-rights.ts): online it claims them
 * through the server and waits for the answer; offline, or when none are left, only a manager's override
 * (recorded, and alerted to the organiser) lets it pay out.
 */
const CLAIM_WAIT_MS = 10_000;
const RIGHTS_OVERRIDE_REASON = 'refund rights held by another till';

export function RefundPanel({ money }: { money: (n: number) => string }) {
  const store = usePos((s) => s.store);
  usePos((s) => s.version);
  const scanned = usePos((s) => s.refundReceipt);
  const [receipt, setReceipt] = useState(scanned ?? '');
  const [sales, setSales] = useState<Sale[] | undefined>();
  const [pick, setPick] = useState<Record<string, { qty: number; reason: string }>>({});
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<Refund[] | undefined>();
  const [needsManager, setNeedsManager] = useState<string | undefined>();
  const [needsRightsOverride, setNeedsRightsOverride] = useState<string | undefined>();
  const [claiming, setClaiming] = useState(false);
  const online = usePos((s) => s.sync?.state === 'online');
  const cashier = usePos((s) => s.cashier);
  // A scanned receipt barcode opens the panel with its number: look the sale up at once (only when it changes).
  useEffect(() => {
    if (scanned) void find(scanned);
  }, [scanned]);
  if (!store) return null;

  async function find(number = receipt) {
    if (!store) return;
    setError(undefined);
    const found = await store.salesByReceipt(number);
    if (found.length === 0) setError(`No sale with receipt ${number.trim().toUpperCase()} on this till`);
    setSales(found);
    setPick({});
  }

  const linesOf = (sale: Sale) =>
    sale.lines
      .map((l) => ({ l, p: pick[`${sale.id}/${l.sku}/${l.serial ?? ''}`] }))
      .filter((x) => x.p && x.p.qty > 0)
      .map(({ l, p }) => ({ sku: l.sku, qty: p!.qty, reason: p!.reason, ...(l.serial ? { serial: l.serial } : {}) }));

  const rightsMessage = (units: number, receiptNumber: string) =>
    online
      ? `No refund rights left here for ${units} unit(s) of receipt ${receiptNumber}: they were refunded elsewhere or are held by a till that is offline. A manager may refund anyway; the organiser is alerted`
      : `This till is offline and does not hold the refund rights for ${units} unit(s) of receipt ${receiptNumber}. A manager may refund anyway; the organiser is alerted`;

  /** Online, a till that lacks a sale's refund rights claims them and waits for the server's answer. */
  const claimRights = async (sale: Sale): Promise<boolean> => {
    if (!store || !online) return false;
    const lines = linesOf(sale);
    setClaiming(true);
    try {
      await store.claimRefundRights(sale.id, lines);
      for (const until = Date.now() + CLAIM_WAIT_MS; Date.now() < until; ) {
        if ((await store.refundRightsMissing(sale.id, lines)) === 0) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    } finally {
      setClaiming(false);
    }
  };

  const submit = async (approvedBy?: string, overrideRights = false) => {
    if (!sales) return;
    setError(undefined);
    setNeedsManager(undefined);
    setNeedsRightsOverride(undefined);
    try {
      // Every sale's refund rights first (claimed through the server when online), so that a manager's prompt
      // never comes after part of a multi-brand receipt was already refunded.
      if (!overrideRights) {
        let short = 0;
        for (const sale of sales) {
          const lines = linesOf(sale);
          if (lines.length && (await store.refundRightsMissing(sale.id, lines)) > 0 && !(await claimRights(sale))) short += await store.refundRightsMissing(sale.id, lines);
        }
        if (short > 0) {
          setNeedsRightsOverride(rightsMessage(short, sales[0]!.receiptNumber));
          return;
        }
      }
      const made: Refund[] = [];
      for (const sale of sales) {
        const lines = linesOf(sale);
        if (lines.length === 0) continue;
        const req = { lines, cashierId: cashier?.id ?? 'till', ...(approvedBy ? { approvedBy } : {}), ...(overrideRights && approvedBy ? { rightsOverride: { managerId: approvedBy, reason: RIGHTS_OVERRIDE_REASON } } : {}) };
        made.push(await store.commitRefund(sale.id, req));
      }
      if (made.length === 0) setError('Choose at least one item to return');
      else setDone(made);
    } catch (err) {
      if (err instanceof ManagerApprovalRequired || err instanceof ReturnWindowClosed) setNeedsManager(err.message);
      else if (err instanceof NoRefundRightsError) setNeedsRightsOverride(rightsMessage(err.shortfall, err.receiptNumber));
      else setError(toTagged(err).message);
    }
  };

  if (done) {
    const total = done.reduce((a, r) => a + r.total, 0);
    // Money goes back the way it came: say where it goes ("€8.96 back to card"), each method on its own line.
    const where = whereMoneyGoes(done.flatMap((r) => r.payments), money);
    const overridden = done.filter((r) => r.override);
    return (
      <section aria-label="Refund" className="cart done">
        <h2>Refund complete</h2>
        <p className="change">Give back {money(total)}</p>
        <ul className="refund-methods" aria-label="Where the money goes">
          {where.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
        {overridden.length > 0 && <p className="warning">Refunded beyond this till's refund rights with a manager's override: the organiser has been alerted.</p>}
        <RefundReceipt refunds={done} sales={sales ?? []} />
        <button className="primary big" autoFocus onClick={closeRefund}>
          New sale
        </button>
      </section>
    );
  }

  return (
    <section aria-label="Refund" className="cart refund">
      <h2>Refund</h2>
      <form
        className="find"
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <label>
          Receipt number
          <input value={receipt} onChange={(e) => setReceipt(e.target.value)} placeholder="T1-00042" autoFocus autoComplete="off" />
        </label>
        <button type="submit">Find sale</button>
      </form>
      {sales?.map((sale) => {
        const left = returnable(sale, store.refundsOf(sale));
        return (
          <ul key={sale.id} className="lines">
            {sale.lines.map((l) => {
              const key = `${sale.id}/${l.sku}/${l.serial ?? ''}`;
              const can = left.get(`${l.sku}\u0000${l.serial ?? ''}`)?.units ?? 0;
              const choice = pick[key] ?? { qty: 0, reason: REFUND_REASONS[0]!.id };
              return (
                <li key={key} className="refund-line">
                  <span className="label">
                    {l.name}
                    {l.serial && <small> · {l.serial}</small>}
                    <small> · {money(l.unitPrice)} · {can} returnable</small>
                  </span>
                  <input
                    type="number"
                    min={0}
                    max={can}
                    aria-label={`Units of ${l.name} to return`}
                    value={choice.qty}
                    disabled={can === 0}
                    onChange={(e) => setPick({ ...pick, [key]: { ...choice, qty: Math.max(0, Math.min(can, Number(e.target.value) || 0)) } })}
                  />
                  <select aria-label={`Reason for ${l.name}`} value={choice.reason} onChange={(e) => setPick({ ...pick, [key]: { ...choice, reason: e.target.value } })}>
                    {REFUND_REASONS.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.label}
                      </option>
                    ))}
                  </select>
                </li>
              );
            })}
          </ul>
        );
      })}
      {claiming && (
        <p role="status">Receipt sold at another till: asking the server for the right to refund it…</p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {needsManager && (
        <ManagerApproval
          what={needsManager.charAt(0).toUpperCase() + needsManager.slice(1)}
          onApproved={(m) => void submit(m.id)}
          onCancel={() => setNeedsManager(undefined)}
        />
      )}
      {needsRightsOverride && (
        <ManagerApproval what={needsRightsOverride} onApproved={(m) => void submit(m.id, true)} onCancel={() => setNeedsRightsOverride(undefined)} />
      )}
      <div className="actions">
        <button className="ghost" onClick={closeRefund}>
          Cancel
        </button>
        {sales && sales.length > 0 && (
          <button className="primary big" onClick={() => void submit()}>
            Refund selected
          </button>
        )}
      </div>
    </section>
  );
}
