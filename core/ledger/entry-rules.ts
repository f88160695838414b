import { PopupError } from '../base/errors.ts';
import type { LedgerLimits } from '../event/event.ts';
import { holderKind } from './holders.ts';
import { ENTRY_FIELDS, type LedgerEntry } from './ledger.ts';
import type { StaffMember } from '../event/staff.ts';

/**
 * What a ledger entry may MEAN, beyond its shape (ledger.ts) and who may write it (rights.ts). The escrow
 * rule stops a holder spending more than it holds; it cannot stop a writer from minting stock for itself or
 * from naming a manager who does not exist. These rules do, and they are judged the same on the till (before
 * it commits) and on the server (sync-server/update-guard.ts), so a till never writes what the server
 * refuses. The full table is in docs/sync-protocol.md, "Ledger entries: what each kind must satisfy".
 */
export class EntryRuleError extends PopupError {}

export interface EntryRulesContext {
  /** Whether a staff id names a member with the manager role in the event's setup document. */
  isManager(staffId: string): boolean;
  limits: LedgerLimits;
}

/** A manager lookup over the setup document's staff. */
export function managersOf(staff: Iterable<Pick<StaffMember, 'id' | 'role'>>): (staffId: string) => boolean {
  const ids = new Set<string>();
  for (const m of staff) if (m.role === 'manager') ids.add(m.id);
  return (id) => ids.has(id);
}

export function checkEntryRules(e: LedgerEntry, ctx: EntryRulesContext): void {
  const refuse = (what: string): never => {
    throw new EntryRuleError(`${e.kind} entry ${e.id}: ${what}`);
  };
  switch (e.kind) {
    case 'receive':
      // Stock enters an event at the server's holders only (the organiser receives a delivery into the
      // reserve or a hub, through the HTTP API) and reaches a booth by transfer. A till that could receive
      // could mint rights from nothing and pass them on (to the online channel, to the storefront's buyers).
      if (holderKind(e.to!) === 'till') refuse('a till does not receive stock: it enters at the reserve or a hub and reaches a till by transfer');
      break;
    case 'adjust':
      // A negative adjustment lowers the writer's own stock (the escrow rule allows that); a positive one
      // creates units, so a real manager answers for it and it is bounded.
      if (e.qty > 0) {
        if (e.approvedBy === undefined) refuse('a positive adjustment names the manager who approved it (approvedBy)');
        if (!ctx.isManager(e.approvedBy!)) refuse(`"${e.approvedBy}" is not a manager of this event`);
        if (e.qty > ctx.limits.maxAdjustUnits) refuse(`adds ${e.qty} units, more than the ${ctx.limits.maxAdjustUnits} one adjustment may add (policies.maxAdjustUnits)`);
      }
      break;
    case 'sale':
      if (e.override) {
        if (!ctx.isManager(e.override.managerId)) refuse(`the override names "${e.override.managerId}", who is not a manager of this event`);
        if (e.override.shortfall > ctx.limits.maxOverrideUnits) {
          refuse(`the override sells ${e.override.shortfall} units beyond rights, more than the ${ctx.limits.maxOverrideUnits} allowed (policies.maxOverrideUnits)`);
        }
      }
      break;
    default:
      break;
  }
}

/**
 * Refuses a stored value with fields its schema does not have. Entries are closed: the size bound keeps a
 * value small, and this keeps junk out of what every till downloads and keeps for ever.
 */
export function checkEntryFields(stored: unknown, id: string): void {
  if (typeof stored !== 'object' || stored === null) return;
  for (const k of Object.keys(stored)) if (!ENTRY_FIELDS.includes(k)) throw new EntryRuleError(`entry ${id}: unknown field "${k}"`);
}
