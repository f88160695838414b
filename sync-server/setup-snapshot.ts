import type * as Y from 'yjs';
import { SetupDoc } from '../core/event/schema.ts';
import { ledgerLimits, type EventConfig, type LedgerLimits } from '../core/event/event.ts';
import type { StaffRole } from '../core/event/staff.ts';
import { couponKey, type Coupon } from '../core/selling/discounts.ts';
import { managersOf } from '../core/ledger/entry-rules.ts';

/**
 * The parts of an event's set-up document that every till update is judged against (config, staff, till
 * receipt prefixes, coupons), parsed once and kept until the set-up document changes.
 *
 * Why: the guard judged each incoming sale by decoding the whole set-up again — every till's JSON (300 in the
 * benchmark), the config with its time-zone check (an Intl constructor) and the staff list. At 1,000 sales/s
 * that was 60 % of the server's CPU (a `--cpu-prof` of `npm run bench`'s workload 1) and the server fell
 * behind its own load. The set-up changes a few times an event; sales arrive hundreds of times a second.
 *
 * Invalidation is by the document itself, never by time: the snapshot is dropped at the start of every
 * transaction on the set-up document (`beforeTransaction`, which also covers updates applied from a peer), and a
 * snapshot read while a transaction is still open is not kept, since that transaction may change more before
 * it ends. So a rule read after a set-up change always sees the change (setup-snapshot.test.ts).
 */
export interface SetupSnapshot {
  /** Undefined when the event has no config yet, or its config does not parse. */
  readonly config: EventConfig | undefined;
  readonly limits: LedgerLimits;
  isManager(staffId: string): boolean;
  roleOf(staffId: string): StaffRole | undefined;
  receiptPrefix(tillId: string): string | undefined;
  /** A coupon by code, ignoring case; parsed once per snapshot. */
  coupon(code: string): Coupon | undefined;
}

const snapshots = new WeakMap<Y.Doc, SetupSnapshot>();
const watched = new WeakSet<Y.Doc>();

export function setupSnapshot(doc: Y.Doc): SetupSnapshot {
  const cached = snapshots.get(doc);
  if (cached) return cached;
  if (!watched.has(doc)) {
    watched.add(doc);
    doc.on('beforeTransaction', () => snapshots.delete(doc));
  }
  const snapshot = readSnapshot(doc);
  // Inside a transaction the document may still change before the transaction ends: read, do not keep.
  if (doc._transaction === null) snapshots.set(doc, snapshot);
  return snapshot;
}

function readSnapshot(doc: Y.Doc): SetupSnapshot {
  const setup = new SetupDoc(doc);
  let config: EventConfig | undefined;
  try {
    config = setup.config();
  } catch {
    // A config that does not parse is no config: the guard answers "no set-up on this server yet".
    config = undefined;
  }
  const staff = setup.staff().items;
  const isManager = managersOf(staff);
  const roles = new Map<string, StaffRole>(staff.map((m) => [m.id, m.role]));
  const prefixes = new Map(setup.tills().items.map((t) => [t.id, t.receiptPrefix]));
  const coupons = new Map<string, Coupon | undefined>();
  return {
    config,
    limits: ledgerLimits(config),
    isManager,
    roleOf: (id) => roles.get(id),
    receiptPrefix: (tillId) => prefixes.get(tillId),
    coupon(code) {
      const key = couponKey(code);
      if (!coupons.has(key)) coupons.set(key, setup.coupon(code));
      return coupons.get(key);
    },
  };
}
