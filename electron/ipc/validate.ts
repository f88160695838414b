import { ValidationError } from '../../core/base/errors.ts';
import type { ReceiptLine, ReceiptModel } from '../../core/selling/receipt.ts';
import { Z_TEXT_WIDTH } from '../../core/reports/z-report.ts';
import type { HubPairingRequest } from '../hub/hub-protocol.ts';
import type { UpstreamConfig } from '../hub/upstream-bridge.ts';

/**
 * Checks what the renderer sends before the main process acts on it. The renderer is our own code, but it
 * renders data that came over the network (product names, brand names): treat its messages as untrusted,
 * bound every string and list, and name the field that is wrong.
 */
type Obj = Record<string, unknown>;

export function object(v: unknown, field: string, allowed: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(field, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new ValidationError(`${field}.${k}`, 'is not expected here');
  return v as Obj;
}

export function text(v: unknown, field: string, max: number, opts: { optional?: boolean; nonEmpty?: boolean } = {}): string {
  if (v === undefined && opts.optional) return '';
  if (typeof v !== 'string') throw new ValidationError(field, 'must be text');
  if (v.length > max) throw new ValidationError(field, `is longer than ${max} characters`);
  if (opts.nonEmpty && !v.trim()) throw new ValidationError(field, 'must not be empty');
  return v;
}

export function list<T>(v: unknown, field: string, max: number, item: (x: unknown, field: string) => T): T[] {
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be a list');
  if (v.length > max) throw new ValidationError(field, `has more than ${max} items`);
  return v.map((x, i) => item(x, `${field}[${i}]`));
}

export function noInput(v: unknown): void {
  if (v !== undefined) throw new ValidationError('input', 'this call takes no input');
}

const SHORT = 200;

function receiptLine(v: unknown, field: string): ReceiptLine {
  const o = object(v, field, ['label', 'qty', 'unitPrice', 'total', 'discount', 'serial']);
  const qty = o['qty'];
  if (!Number.isInteger(qty) || (qty as number) < 1 || (qty as number) > 100_000) throw new ValidationError(`${field}.qty`, 'must be a whole number from 1');
  return {
    label: text(o['label'], `${field}.label`, SHORT, { nonEmpty: true }),
    qty: qty as number,
    unitPrice: text(o['unitPrice'], `${field}.unitPrice`, 40),
    total: text(o['total'], `${field}.total`, 40),
    ...(o['discount'] !== undefined ? { discount: text(o['discount'], `${field}.discount`, SHORT) } : {}),
    ...(o['serial'] !== undefined ? { serial: text(o['serial'], `${field}.serial`, 80) } : {}),
  };
}

const labelled = (v: unknown, field: string) => {
  const o = object(v, field, ['label', 'amount']);
  return { label: text(o['label'], `${field}.label`, 80), amount: text(o['amount'], `${field}.amount`, 40) };
};

/** A receipt as core/selling/receipt.ts `receiptModel` makes it (the same data the screen shows). */
export function parseReceiptModel(v: unknown, field = 'receipt'): ReceiptModel {
  const o = object(v, field, ['eventName', 'receiptNumber', 'issuedAt', 'tillId', 'sections', 'discount', 'discounts', 'taxLines', 'total', 'payments', 'change', 'policy', 'lookupCode']);
  const optional = (k: string, max: number) => (o[k] === undefined ? undefined : text(o[k], `${field}.${k}`, max));
  const lookupCode = text(o['lookupCode'], `${field}.lookupCode`, 40, { nonEmpty: true });
  // Code 128 carries ASCII only: a receipt number is letters, digits and dashes.
  if (!/^[\x20-\x7e]+$/.test(lookupCode)) throw new ValidationError(`${field}.lookupCode`, 'must be printable ASCII (it becomes a barcode)');
  return {
    eventName: text(o['eventName'], `${field}.eventName`, SHORT),
    receiptNumber: text(o['receiptNumber'], `${field}.receiptNumber`, 40, { nonEmpty: true }),
    issuedAt: text(o['issuedAt'], `${field}.issuedAt`, 80),
    tillId: text(o['tillId'], `${field}.tillId`, 80),
    sections: list(o['sections'], `${field}.sections`, 50, (s, f) => {
      const so = object(s, f, ['brand', 'lines', 'total']);
      return { brand: text(so['brand'], `${f}.brand`, SHORT), lines: list(so['lines'], `${f}.lines`, 500, receiptLine), total: text(so['total'], `${f}.total`, 40) };
    }),
    discount: optional('discount', 40),
    discounts: o['discounts'] === undefined ? [] : list(o['discounts'], `${field}.discounts`, 50, labelled),
    taxLines: list(o['taxLines'], `${field}.taxLines`, 20, labelled),
    total: text(o['total'], `${field}.total`, 40),
    payments: list(o['payments'], `${field}.payments`, 20, labelled),
    change: optional('change', 40),
    policy: text(o['policy'], `${field}.policy`, 1000),
    lookupCode,
  };
}

/** `openDrawer` (default false) kicks the drawer in the same job, after the cut. */
export function parsePrintReceipt(v: unknown): { receipt: ReceiptModel; openDrawer?: boolean } {
  const o = object(v, 'input', ['receipt', 'openDrawer']);
  if (o['openDrawer'] !== undefined && typeof o['openDrawer'] !== 'boolean') throw new ValidationError('openDrawer', 'must be true or false');
  return { receipt: parseReceiptModel(o['receipt']), ...(o['openDrawer'] === true ? { openDrawer: true } : {}) };
}

/** core/reports/z-report.ts `zReportText`: lines of at most Z_TEXT_WIDTH characters. */
export function parsePrintZReport(v: unknown): { text: string } {
  const o = object(v, 'input', ['text']);
  const t = text(o['text'], 'text', 40_000, { nonEmpty: true });
  const lines = t.replace(/\n$/, '').split('\n');
  if (lines.length > 1000) throw new ValidationError('text', 'has more than 1000 lines');
  const long = lines.findIndex((l) => l.length > Z_TEXT_WIDTH);
  if (long >= 0) throw new ValidationError('text', `line ${long + 1} is wider than ${Z_TEXT_WIDTH} characters`);
  return { text: t };
}

export type DrawerReason = 'cash-sale' | 'manager';

export function parseOpenDrawer(v: unknown): { reason: DrawerReason } {
  const o = object(v, 'input', ['reason']);
  if (o['reason'] !== 'cash-sale' && o['reason'] !== 'manager') throw new ValidationError('reason', 'is "cash-sale" or "manager"');
  return { reason: o['reason'] };
}

export function parseHubStart(v: unknown): { port?: number; demo?: boolean; upstream?: UpstreamConfig } {
  if (v === undefined) return {};
  const o = object(v, 'input', ['port', 'demo', 'upstream']);
  const port = o['port'];
  if (port !== undefined && (!Number.isInteger(port) || (port as number) < 1024 || (port as number) > 65535)) {
    throw new ValidationError('port', 'must be a whole number from 1024 to 65535 (default 8787)');
  }
  if (o['demo'] !== undefined && typeof o['demo'] !== 'boolean') throw new ValidationError('demo', 'must be true or false');
  let upstream: UpstreamConfig | undefined;
  if (o['upstream'] !== undefined) {
    const u = object(o['upstream'], 'upstream', ['url', 'token', 'eventId']);
    const url = text(u['url'], 'upstream.url', 300, { nonEmpty: true }).trim().replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError('upstream.url', `"${url}" is not an address (e.g. https://sync.example.com)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ValidationError('upstream.url', 'must start with http:// or https://');
    if (o['demo'] === true) throw new ValidationError('demo', 'a hub that relays to an upstream server holds its event, not the demo mall');
    upstream = { url, token: text(u['token'], 'upstream.token', 200, { nonEmpty: true }).trim(), eventId: id(u['eventId'], 'upstream.eventId') };
  }
  return { ...(port !== undefined ? { port: port as number } : {}), ...(o['demo'] !== undefined ? { demo: o['demo'] as boolean } : {}), ...(upstream ? { upstream } : {}) };
}

const ID_RE = /^[a-z0-9][a-z0-9-]{0,47}$/;
const id = (v: unknown, field: string) => {
  const s = text(v, field, 48, { nonEmpty: true });
  if (!ID_RE.test(s)) throw new ValidationError(field, `"${s}" is not an id (lower-case letters, digits and dashes)`);
  return s;
};

export function parseHubPairing(v: unknown): HubPairingRequest {
  const o = object(v, 'input', ['eventId', 'name', 'locationId', 'brandIds']);
  const brandIds = list(o['brandIds'], 'brandIds', 50, id);
  if (brandIds.length === 0) throw new ValidationError('brandIds', 'a till sells at least one brand');
  return { eventId: id(o['eventId'], 'eventId'), name: text(o['name'], 'name', 60, { nonEmpty: true }).trim(), locationId: id(o['locationId'], 'locationId'), brandIds };
}
