import { BARCODE_PATTERN, ID_PATTERN, SKU_PATTERN, parseProduct, type Product } from './catalog.ts';
import { CsvSyntaxError, parseCsv, restoreFormula, toCsv } from '../base/csv.ts';
import { ValidationError } from '../base/errors.ts';
import { minorDigits, parseMoney, type Minor } from '../base/money.ts';

/**
 * Catalog import and export as CSV, for organisers who prepare products in a spreadsheet. Import checks
 * every row and reports every problem with its line and column, then imports all or nothing: a half-imported
 * catalog would be worse than none.
 */

export const CATALOG_COLUMNS = [
  'sku',
  'brand',
  'name',
  'variant',
  'barcodes',
  'price',
  'cost',
  'margin_floor_pct',
  'tax_rate_pct',
  'hero',
  'low_stock_threshold',
  'safety_stock',
  'serial_tracked',
  'category',
] as const;
export type CatalogColumn = (typeof CATALOG_COLUMNS)[number];
/**
 * Read on import only (an export is a catalog, not a delivery): `receive_qty`, units received into the
 * reserve with the import, so a first catalog and its opening stock are one file.
 */
export const IMPORT_ONLY_COLUMNS = ['receive_qty'] as const;
type ImportColumn = CatalogColumn | (typeof IMPORT_ONLY_COLUMNS)[number];
const REQUIRED: readonly CatalogColumn[] = ['sku', 'brand', 'name', 'price'];

/** One problem; `column` is the header name, or '' for a whole-row or whole-file problem. */
export interface CsvRowError {
  line: number;
  column: string;
  message: string;
}

export type CatalogImportResult = { ok: true; products: Product[]; receive: { brandId: string; sku: string; qty: number }[] } | { ok: false; errors: CsvRowError[] };

export interface CatalogImportOptions {
  currency: string;
  /** The current catalog: a barcode may not move to another SKU without that SKU being re-imported too. */
  existing?: readonly Product[];
  /** Brand ids of the event; when given, any other brand is refused. */
  allowedBrands?: readonly string[];
}

function rowError(line: number, column: string, text: string): CsvRowError {
  return { line, column, message: column ? `line ${line}, column ${column}: ${text}` : `line ${line}: ${text}` };
}

/** Thrown by the cell readers below; caught per cell so one bad cell does not hide the others. */
class CellProblem extends Error {}
function fail(text: string): never {
  throw new CellProblem(text);
}

/** Quotes a cell for a message; long cells are cut so the message stays readable. */
function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function importCatalogCsv(text: string, opts: CatalogImportOptions): CatalogImportResult {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { ok: false, errors: [rowError(e.line, '', e.reason)] };
    throw e;
  }
  const [header, ...body] = records;
  if (!header) return { ok: false, errors: [rowError(1, '', 'the file is empty; the first line must name the columns')] };
  const headerErrors = checkHeader(header.fields, header.line);
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };
  const columns = header.fields.map((h) => h.trim().toLowerCase() as ImportColumn);

  const errors: CsvRowError[] = [];
  const rows: RowResult[] = [];
  for (const { line, fields } of body) {
    // Spreadsheets often leave rows of empty cells (",,,,") below the data: not a product, not an error.
    if (fields.every((f) => f.trim() === '')) continue;
    if (fields.length !== columns.length) {
      errors.push(rowError(line, '', `has ${fields.length} cells but the header has ${columns.length} columns`));
      continue;
    }
    const cells = new Map(columns.map((c, i) => [c, restoreFormula(fields[i] ?? '')]));
    const row = readRow(cells, line, opts);
    errors.push(...row.errors);
    rows.push(row);
  }
  errors.push(...crossRowErrors(rows, opts.existing ?? []));
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  if (rows.length === 0) return { ok: false, errors: [rowError(header.line, '', 'there are no products below the header')] };
  const receive = rows.filter((r) => (r.receiveQty ?? 0) > 0).map((r) => ({ brandId: r.product!.brandId, sku: r.product!.sku, qty: r.receiveQty! }));
  return { ok: true, products: rows.map((r) => r.product!), receive };
}

function checkHeader(names: readonly string[], line: number): CsvRowError[] {
  const errors: CsvRowError[] = [];
  const seen = new Set<string>();
  const known: readonly string[] = [...CATALOG_COLUMNS, ...IMPORT_ONLY_COLUMNS];
  names.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (name === '') errors.push(rowError(line, '', `column ${i + 1} of the header has no name`));
    else if (!known.includes(name)) {
      errors.push(rowError(line, raw.trim(), `is not a known column; the columns are ${known.join(', ')}`));
    } else if (seen.has(name)) errors.push(rowError(line, name, 'appears twice in the header'));
    seen.add(name);
  });
  for (const c of REQUIRED) if (!seen.has(c)) errors.push(rowError(line, c, 'is required but missing from the header'));
  return errors;
}

interface RowResult {
  line: number;
  errors: CsvRowError[];
  /** Read even when other cells are bad, so that duplicates are still found. */
  sku?: string;
  barcodes?: string[];
  /** Present only when the row has no errors of its own. */
  product?: Product;
  /** Units received into the reserve with the import (`receive_qty`). */
  receiveQty?: number;
}

/** Which column a parseProduct field came from, to place its errors. */
const FIELD_COLUMN: Record<keyof Product, CatalogColumn> = {
  sku: 'sku',
  brandId: 'brand',
  name: 'name',
  variant: 'variant',
  barcodes: 'barcodes',
  price: 'price',
  cost: 'cost',
  marginFloorBp: 'margin_floor_pct',
  taxRateBp: 'tax_rate_pct',
  hero: 'hero',
  lowStockThreshold: 'low_stock_threshold',
  safetyStock: 'safety_stock',
  serialTracked: 'serial_tracked',
  category: 'category',
};

function readRow(cells: ReadonlyMap<ImportColumn, string>, line: number, opts: CatalogImportOptions): RowResult {
  const errors: CsvRowError[] = [];
  const read = <T>(column: ImportColumn, parse: (text: string) => T): T | undefined => {
    try {
      return parse(cells.get(column) ?? '');
    } catch (e) {
      if (!(e instanceof CellProblem)) throw e;
      errors.push(rowError(line, column, e.message));
      return undefined;
    }
  };
  const money = (what: string, required: boolean) => (t: string) => readMoney(t, opts.currency, what, required);
  const raw = {
    sku: read('sku', readSku),
    brandId: read('brand', (t) => readBrand(t, opts.allowedBrands)),
    // Names are kept exactly as written (the writer quotes edge spaces so they survive a round trip).
    name: read('name', (t) => (t.trim() === '' ? fail('the name is missing') : t)),
    variant: cells.get('variant') ?? '',
    barcodes: read('barcodes', readBarcodes),
    price: read('price', money('price', true)),
    cost: read('cost', money('cost', false)),
    marginFloorBp: read('margin_floor_pct', (t) => readPercent(t, 9_999)),
    taxRateBp: read('tax_rate_pct', (t) => readPercent(t, 10_000)),
    hero: read('hero', readBool),
    lowStockThreshold: read('low_stock_threshold', readCount),
    safetyStock: read('safety_stock', readCount),
    serialTracked: read('serial_tracked', readBool),
    // Optional: an empty cell is no category.
    ...(cells.get('category')?.trim() ? { category: cells.get('category')!.trim() } : {}),
  };
  const receiveQty = read('receive_qty', readCount);
  if (receiveQty !== undefined && receiveQty > 1_000_000) errors.push(rowError(line, 'receive_qty', `${receiveQty} units is more than one import receives (1000000)`));
  const result: RowResult = { line, errors };
  if (receiveQty) result.receiveQty = receiveQty;
  if (raw.sku !== undefined) result.sku = raw.sku;
  if (raw.barcodes !== undefined) result.barcodes = raw.barcodes;
  if (errors.length > 0) return result;
  // The final word is parseProduct's, so an imported product obeys exactly the rules of any other product.
  try {
    result.product = parseProduct(raw);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const column = FIELD_COLUMN[e.field as keyof Product] ?? '';
    errors.push(rowError(line, column, e.message.slice(e.field.length + 2)));
  }
  return result;
}

function crossRowErrors(rows: readonly RowResult[], existing: readonly Product[]): CsvRowError[] {
  const errors: CsvRowError[] = [];
  const skuLine = new Map<string, number>();
  for (const { sku, line } of rows) {
    if (sku === undefined) continue;
    const first = skuLine.get(sku);
    if (first === undefined) skuLine.set(sku, line);
    else errors.push(rowError(line, 'sku', `${show(sku)} is already on line ${first}; each SKU may appear only once`));
  }
  // An existing product that the file re-imports gets the file's barcodes, so only the others keep theirs.
  const owner = new Map<string, { sku: string; line?: number }>();
  for (const p of existing) if (!skuLine.has(p.sku)) for (const code of p.barcodes) owner.set(code, { sku: p.sku });
  for (const { sku, barcodes, line } of rows) {
    for (const code of barcodes ?? []) {
      const o = owner.get(code);
      if (!o) owner.set(code, sku === undefined ? { sku: '?', line } : { sku, line });
      else if (o.sku !== sku) {
        const where = o.line === undefined ? 'in the current catalog' : `on line ${o.line}`;
        const mine = sku === undefined ? '' : ` of SKU ${show(sku)}`;
        errors.push(rowError(line, 'barcodes', `barcode ${show(code)}${mine} is already used by SKU ${show(o.sku)} ${where}`));
      }
    }
  }
  return errors;
}

function readSku(text: string): string {
  const t = text.trim();
  if (t === '') fail('the SKU is missing');
  if (!SKU_PATTERN.test(t)) {
    fail(`${show(t)} is not a valid SKU: use up to 64 letters, digits, ".", "_", "-" or "/", starting with a letter or digit`);
  }
  return t;
}

function readBrand(text: string, allowed: readonly string[] | undefined): string {
  // Brand ids are lowercase by definition, so "Acme" can only mean "acme".
  const t = text.trim().toLowerCase();
  if (t === '') fail('the brand is missing');
  if (!ID_PATTERN.test(t)) fail(`${show(t)} is not a valid brand id: use up to 48 lowercase letters, digits or "-"`);
  if (allowed && !allowed.includes(t)) {
    const list = allowed.length > 10 ? `${allowed.slice(0, 10).join(', ')}, …` : allowed.join(', ');
    fail(`${show(t)} is not a brand of this event (brands: ${list || 'none yet'})`);
  }
  return t;
}

function readBarcodes(text: string): string[] {
  const codes = text
    .split(/[|;]/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const bad = codes.find((c) => !BARCODE_PATTERN.test(c));
  if (bad !== undefined) fail(`${show(bad)} is not a valid barcode: use up to 64 letters, digits, "-" or "."`);
  // The same code twice on one product is a harmless typo; keeping both would look like a clash elsewhere.
  return [...new Set(codes)];
}

function readMoney(text: string, currency: string, what: string, required: boolean): Minor {
  const t = text.trim();
  if (t === '') return required ? fail(`the ${what} is missing`) : 0;
  let amount: Minor;
  try {
    amount = parseMoney(t, currency);
  } catch (e) {
    if (e instanceof ValidationError) fail(e.message.slice(e.field.length + 2));
    throw e;
  }
  if (amount < 0) fail(`${show(t)} is negative`);
  return amount === 0 ? 0 : amount; // "-0" reads as -0, which is not equal to 0 everywhere
}

/** "20" → 2000 basis points, "5.5" → 550; at most 2 decimals, so the conversion is exact. */
function readPercent(text: string, maxBp: number): number {
  const t = text.trim();
  if (t === '') return 0;
  const m = /^([+-])?(\d+)(?:[.,](\d*))?\s*%?$/.exec(t);
  if (!m) fail(`${show(t)} is not a percentage; write it like 20 or 5.5`);
  const [, sign, whole = '0', frac = ''] = m;
  if (frac.length > 2) fail(`${show(t)} has more than 2 decimal places`);
  const bp = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (sign === '-' && bp > 0) fail(`${show(t)} is negative`);
  if (bp > maxBp) fail(`${show(t)} is out of range: it must be from 0 to ${formatPercent(maxBp)}`);
  return bp;
}

const BOOLEANS: Record<string, boolean> = { true: true, yes: true, y: true, '1': true, false: false, no: false, n: false, '0': false };

function readBool(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '') return false;
  const v = BOOLEANS[t];
  if (v === undefined) fail(`${show(text.trim())} is not yes or no; write true/false, yes/no, y/n or 1/0`);
  return v;
}

function readCount(text: string): number {
  const t = text.trim();
  if (t === '') return 0;
  if (/^-\d+$/.test(t)) fail(`${show(t)} is negative`);
  if (!/^\+?\d+$/.test(t)) fail(`${show(t)} is not a whole number`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) fail(`${show(t)} is too large`);
  return n;
}

/** Minor units as a plain decimal with the currency's digits: 1250 EUR → "12.50", 500 JPY → "500". */
function formatAmount(amount: Minor, digits: number): string {
  const abs = String(Math.abs(amount)).padStart(digits + 1, '0');
  const sign = amount < 0 ? '-' : '';
  return digits === 0 ? sign + abs : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/** Basis points as a percentage without needless zeros: 2000 → "20", 550 → "5.5", 5 → "0.05". */
function formatPercent(bp: number): string {
  const frac = String(bp % 100).padStart(2, '0').replace(/0+$/, '');
  const whole = String(Math.floor(bp / 100));
  return frac ? `${whole}.${frac}` : whole;
}

/** Writes products in the import format (header first), so an export can be edited and imported back. */
export function exportCatalogCsv(products: readonly Product[], currency: string): string {
  const digits = minorDigits(currency);
  const rows = products.map((p) => {
    const cells: Record<CatalogColumn, string> = {
      sku: p.sku,
      brand: p.brandId,
      name: p.name,
      variant: p.variant,
      barcodes: p.barcodes.join('|'),
      price: formatAmount(p.price, digits),
      cost: formatAmount(p.cost, digits),
      margin_floor_pct: formatPercent(p.marginFloorBp),
      tax_rate_pct: formatPercent(p.taxRateBp),
      hero: String(p.hero),
      low_stock_threshold: String(p.lowStockThreshold),
      safety_stock: String(p.safetyStock),
      serial_tracked: String(p.serialTracked),
      category: p.category ?? '',
    };
    return CATALOG_COLUMNS.map((c) => cells[c]);
  });
  return toCsv([[...CATALOG_COLUMNS], ...rows]);
}

/** All errors as one text for a dialog or a terminal: a summary line, then one line per problem. */
export function formatCsvErrors(errors: readonly CsvRowError[]): string {
  const n = errors.length;
  const head = `${n} ${n === 1 ? 'problem' : 'problems'} found; nothing was imported:`;
  return [head, ...errors.map((e) => `  • ${e.message}`)].join('\n');
}
