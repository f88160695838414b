import type { CsvRowError } from '../catalog/catalog-csv.ts';
import { CsvSyntaxError, parseCsv, restoreFormula } from '../base/csv.ts';
import { ID_PATTERN, SKU_PATTERN } from '../catalog/catalog.ts';
import { holderKind, isHolderId, type HolderId } from './holders.ts';

/**
 * Stock moves the organiser makes in bulk: deliveries received into the reserve or a hub, and transfers
 * between holders, from a CSV file or a multi-line form. Receiving and distributing 30 products over four
 * holders took about 100 form submissions; one file now does it, checked as a whole: every row's problem is
 * listed with its line and column, and either every row is written or none (a half-done delivery would leave
 * the organiser guessing which rows to send again).
 *
 * The rules are the single forms' (sync-server/event-service.ts): stock enters only at the reserve or a hub
 * (core/ledger/entry-rules.ts: a till never receives), the server moves only what its own holders hold
 * (reserve, hubs, online: a till's units are its own device's to give), every holder named exists in the
 * event, a till is sent only brands it sells, and no holder goes below zero, counting the rows above it.
 */
export interface StockMove {
  /** Absent: a delivery received into `to`. */
  from?: HolderId;
  to: HolderId;
  brandId: string;
  sku: string;
  qty: number;
}

/** A move and where it came from: a CSV line, or an index in a JSON list (line = index + 1). */
export interface PlacedMove extends StockMove {
  line: number;
}

export const STOCK_MOVE_COLUMNS = ['from', 'to', 'brand', 'sku', 'qty'] as const;
const REQUIRED = ['to', 'brand', 'sku', 'qty'] as const;
/** A file bigger than this is a mistake (or an attack): 30 products × 10 holders is 300 rows. */
export const MAX_STOCK_MOVES = 5000;

/**
 * The rows read, and the problems of the rows that could not be read. Rows that were read are still checked
 * against the event (checkStockMoves), so one answer lists every row's problem, not only the first kind.
 */
export interface StockMovesResult {
  moves: PlacedMove[];
  errors: CsvRowError[];
}

function rowError(line: number, column: string, text: string): CsvRowError {
  return { line, column, message: column ? `line ${line}, column ${column}: ${text}` : `line ${line}: ${text}` };
}

const show = (t: string) => JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t);

/** Reads one move's cells; each problem is named with its column, and every cell is read. */
function readMove(cells: (column: string) => string, line: number, errors: CsvRowError[]): PlacedMove | undefined {
  const before = errors.length;
  const holder = (column: 'from' | 'to', optional: boolean): HolderId | undefined => {
    const t = cells(column).trim();
    if (t === '') {
      if (!optional) errors.push(rowError(line, column, 'the holder is missing (reserve, online, hub:<location>, till:<till>)'));
      return undefined;
    }
    if (!isHolderId(t)) {
      errors.push(rowError(line, column, `${show(t)} is not a holder: write reserve, online, hub:<location id> or till:<till id>`));
      return undefined;
    }
    return t;
  };
  const from = holder('from', true);
  const to = holder('to', false);
  const brand = cells('brand').trim().toLowerCase();
  if (brand === '') errors.push(rowError(line, 'brand', 'the brand is missing'));
  else if (!ID_PATTERN.test(brand)) errors.push(rowError(line, 'brand', `${show(brand)} is not a brand id`));
  const sku = cells('sku').trim();
  if (sku === '') errors.push(rowError(line, 'sku', 'the SKU is missing'));
  else if (!SKU_PATTERN.test(sku)) errors.push(rowError(line, 'sku', `${show(sku)} is not a valid SKU`));
  const q = cells('qty').trim();
  const qty = Number(q);
  if (!/^\+?\d+$/.test(q) || !Number.isSafeInteger(qty) || qty < 1 || qty > 1_000_000) errors.push(rowError(line, 'qty', `${show(q)} is not a whole number of units from 1 to 1000000`));
  if (from !== undefined && from === to) errors.push(rowError(line, 'to', `moves ${from} to itself`));
  if (errors.length > before || to === undefined) return undefined;
  return { line, ...(from !== undefined ? { from } : {}), to, brandId: brand, sku, qty };
}

/** Parses a stock-move CSV (columns from, to, brand, sku, qty; `from` may be left out or empty for a delivery). */
export function parseStockMovesCsv(text: string): StockMovesResult {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { moves: [], errors: [rowError(e.line, '', e.reason)] };
    throw e;
  }
  const [header, ...body] = records;
  if (!header) return { moves: [], errors: [rowError(1, '', 'the file is empty; the first line must name the columns from, to, brand, sku, qty')] };
  const names = header.fields.map((h) => h.trim().toLowerCase());
  const errors: CsvRowError[] = [];
  names.forEach((n, i) => {
    if (!(STOCK_MOVE_COLUMNS as readonly string[]).includes(n)) errors.push(rowError(header.line, n || `#${i + 1}`, `is not a column of a stock file; the columns are ${STOCK_MOVE_COLUMNS.join(', ')}`));
    else if (names.indexOf(n) !== i) errors.push(rowError(header.line, n, 'appears twice in the header'));
  });
  for (const c of REQUIRED) if (!names.includes(c)) errors.push(rowError(header.line, c, 'is required but missing from the header'));
  if (errors.length) return { moves: [], errors };
  const rows = body.filter((r) => !r.fields.every((f) => f.trim() === ''));
  if (rows.length === 0) return { moves: [], errors: [rowError(header.line, '', 'there are no moves below the header')] };
  if (rows.length > MAX_STOCK_MOVES) return { moves: [], errors: [rowError(header.line, '', `has ${rows.length} rows; at most ${MAX_STOCK_MOVES} at once`)] };
  const moves: PlacedMove[] = [];
  for (const { line, fields } of rows) {
    if (fields.length !== names.length) {
      errors.push(rowError(line, '', `has ${fields.length} cells but the header has ${names.length} columns`));
      continue;
    }
    const m = readMove((c) => restoreFormula(fields[names.indexOf(c)] ?? ''), line, errors);
    if (m) moves.push(m);
  }
  return { moves, errors };
}

/** Reads moves sent as JSON (`{"moves": [{from?, to, brandId, sku, qty}]}`); row n is list index n − 1. */
export function parseStockMovesJson(list: unknown): StockMovesResult {
  if (!Array.isArray(list) || list.length === 0) return { moves: [], errors: [rowError(1, '', 'send {"moves": [{"from"?, "to", "brandId", "sku", "qty"}, …]}')] };
  if (list.length > MAX_STOCK_MOVES) return { moves: [], errors: [rowError(1, '', `has ${list.length} moves; at most ${MAX_STOCK_MOVES} at once`)] };
  const errors: CsvRowError[] = [];
  const moves: PlacedMove[] = [];
  list.forEach((raw: unknown, i) => {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const cell = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : typeof o[k] === 'number' ? String(o[k]) : '');
    const m = readMove((c) => cell(c === 'brand' ? 'brandId' : c), i + 1, errors);
    if (m) moves.push(m);
  });
  return { moves, errors };
}

/** What the checks need to know of the event, as the server holds it now. */
export interface StockMoveContext {
  brands: ReadonlySet<string>;
  /** Whether a brand's catalog has the SKU. */
  hasSku(brandId: string, sku: string): boolean;
  /** Hub and pick-up locations (hub:<id>), and the tills paired in the event with the brands each sells. */
  hubs: ReadonlySet<string>;
  tills: ReadonlyMap<string, readonly string[]>;
  /** Sellable units a holder holds of a brand's SKU now (the escrow view). */
  rights(brandId: string, holder: HolderId, sku: string): number;
}

/**
 * Checks the moves against the event: every problem of every row, in row order. Rights are counted as the
 * rows would leave them, so a file may receive 20 into the reserve and hand 5 of them on below.
 */
export function checkStockMoves(moves: readonly PlacedMove[], ctx: StockMoveContext): CsvRowError[] {
  const errors: CsvRowError[] = [];
  const delta = new Map<string, number>();
  const key = (m: StockMove, h: HolderId) => `${m.brandId}\u0000${h}\u0000${m.sku}`;
  const held = (m: StockMove, h: HolderId) => ctx.rights(m.brandId, h, m.sku) + (delta.get(key(m, h)) ?? 0);
  for (const m of moves) {
    const before = errors.length;
    const err = (column: string, text: string) => errors.push(rowError(m.line, column, text));
    if (!ctx.brands.has(m.brandId)) err('brand', `${show(m.brandId)} is not a brand of this event`);
    else if (!ctx.hasSku(m.brandId, m.sku)) err('sku', `${show(m.sku)} is not in ${m.brandId}'s catalog`);
    const exists = (h: HolderId, column: string): boolean => {
      const kind = holderKind(h);
      const id = h.slice(h.indexOf(':') + 1);
      if (kind === 'hub' && !ctx.hubs.has(id)) return Boolean(err(column, `${h}: the event has no hub or pick-up location "${id}"`)) && false;
      if (kind === 'till') {
        const sells = ctx.tills.get(id);
        if (!sells) return Boolean(err(column, `${h}: the event has no paired till "${id}"`)) && false;
        if (column === 'to' && ctx.brands.has(m.brandId) && !sells.includes(m.brandId)) return Boolean(err(column, `${h} does not sell ${m.brandId}: its stock would be stranded there`)) && false;
      }
      return true;
    };
    exists(m.to, 'to');
    if (m.from === undefined) {
      // A delivery: stock enters at the reserve or a hub only, never at a till or the online channel.
      const kind = holderKind(m.to);
      if (kind !== 'reserve' && kind !== 'hub') err('to', `stock is received into the reserve or a hub, not ${m.to}: receive it there and transfer it on`);
    } else {
      exists(m.from, 'from');
      // The server writes for the reserve, the hubs and the online channel; a till's units are its device's.
      if (holderKind(m.from) === 'till') err('from', `${m.from}'s units are spent only by that till's own device (one writer per holder): the server cannot move them`);
    }
    if (errors.length > before) continue;
    if (m.from !== undefined) {
      const has = held(m, m.from);
      if (has < m.qty) {
        err('qty', `${m.from} holds ${has} of ${m.brandId}/${m.sku} at this row, not ${m.qty}`);
        continue;
      }
      delta.set(key(m, m.from), (delta.get(key(m, m.from)) ?? 0) - m.qty);
    }
    delta.set(key(m, m.to), (delta.get(key(m, m.to)) ?? 0) + m.qty);
  }
  return errors;
}
