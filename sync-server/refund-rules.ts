import type * as Y from 'yjs';
import { SERVER_WRITER, type OwnerOf } from '../core/ledger/holders.ts';
import { parseRefund, type Refund } from '../core/refunds/refund.ts';
import { checkRefundRights, checkRefundRightsRecord, parseRefundRightsRecord, type RefundRightsRecord } from '../core/refunds/refund-rights.ts';
import { parseSale, type Sale } from '../core/selling/sale.ts';
import { BrandDoc, decodeValue } from '../core/event/schema.ts';
import type { Claims } from './auth.ts';

/**
 * The server's side of refund rights (core/refunds/refund-rights.ts, docs/sync-protocol.md "Refund rights"): every
 * refund and every refund-rights record an update adds is checked, in the order the update adds them, against
 * what the server holds plus what the update added before it. So two tills can never both refund the same
 * unit unless one of them records a manager override, whatever order their updates arrive in.
 */

/** A value for `refundRights` from a connection: parses, stored under its id, written by the sender. */
export function checkRefundRightsValue(claims: Claims, key: string, value: unknown): string | undefined {
  const r = parseRefundRightsRecord(value);
  if (r.id !== key) return `refundRights/${key} holds ${r.id}`;
  if (claims.role === 'till' && r.writer !== claims.deviceId) return `refundRights/${key} names writer ${r.writer}, but this connection is device ${claims.deviceId}`;
  // The server's own moves (answers to claims) are written here only; a relaying hub cannot bring one in.
  if (claims.role === 'hub' && r.writer === SERVER_WRITER) return `refundRights/${key} is the server's own: a hub cannot relay it`;
  return undefined;
}

export class RefundUpdateCheck {
  /** Sales the update adds, kept raw: parsed only when the update also adds refunds or rights records. */
  private readonly rawSales: unknown[] = [];
  private readonly added: ({ kind: 'refund'; refund: Refund } | { kind: 'rights'; record: RefundRightsRecord })[] = [];

  /** Notes a value the update adds to a brand document (already checked on its own by the guard). */
  note(mapName: string, raw: unknown): void {
    if (mapName === 'sales') this.rawSales.push(raw);
    else if (mapName === 'refunds') this.added.push({ kind: 'refund', refund: parseRefund(decodeValue(raw)) });
    else if (mapName === 'refundRights') this.added.push({ kind: 'rights', record: parseRefundRightsRecord(decodeValue(raw)) });
  }

  /** The first refund or record that breaks the rules, as a reason naming it; undefined when all hold. */
  problem(doc: Y.Doc, ownerOf: OwnerOf | undefined): string | undefined {
    if (this.added.length === 0) return undefined;
    if (!ownerOf) return 'the event has no set-up on this server yet';
    const brand = new BrandDoc(doc);
    const sales = new Map<string, Sale>(this.rawSales.map((raw) => parseSale(decodeValue(raw))).map((sale) => [sale.id, sale]));
    // Decoded once per update, and only when it adds refunds or rights records (rarer than sales).
    const refunds = brand.refunds().items;
    const records = brand.refundRights().items;
    for (const item of this.added) {
      const saleId = item.kind === 'refund' ? item.refund.saleId : item.record.saleId;
      const what = item.kind === 'refund' ? `refunds/${item.refund.id}` : `refundRights/${item.record.id}`;
      const sale = sales.get(saleId) ?? brand.saleById(saleId);
      if (!sale) return `${what} names sale ${saleId}, which this server does not have`;
      const ofSale = refunds.filter((r) => r.saleId === saleId);
      const recordsOfSale = records.filter((r) => r.saleId === saleId);
      try {
        if (item.kind === 'refund') {
          checkRefundRights(sale, ofSale, recordsOfSale, item.refund);
          refunds.push(item.refund);
        } else {
          checkRefundRightsRecord(sale, ofSale, recordsOfSale, item.record, ownerOf);
          records.push(item.record);
        }
      } catch (err) {
        return err instanceof Error ? `${what} refused (${err.name}): ${err.message}` : `${what}: ${String(err)}`;
      }
    }
    return undefined;
  }
}
