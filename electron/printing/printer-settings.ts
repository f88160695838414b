import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ValidationError } from '../../core/base/errors.ts';

/**
 * Which printer this till prints on, kept in the user-data folder and edited in the till's settings panel
 * (a manager's job). `network`: an ESC/POS thermal printer on the LAN, raw TCP (port 9100 by default), which
 * also kicks the cash drawer wired to it. `system`: a printer the operating system knows, printed through
 * Chromium silently (no drawer: the system spooler cannot pass ESC/POS through). `none`: the browser's
 * print dialog, as in a browser till.
 */
export type PaperWidth = 58 | 80;
export type PrinterKind = 'none' | 'network' | 'system';

export interface PrinterSettings {
  kind: PrinterKind;
  /** network: host name or IP address. */
  host: string;
  /** network: TCP port, default 9100 (the "raw"/JetDirect port every network thermal printer listens on). */
  port: number;
  /** system: the printer's name as the OS lists it. */
  deviceName: string;
  /** Paper roll width: 58 mm = 32 columns, 80 mm = 48 columns. Default 80. */
  paperWidth: PaperWidth;
  /** Open the drawer (ESC/POS pulse on pin 2) after a sale paid partly in cash. Default true. */
  drawerOnCash: boolean;
}

export const DEFAULT_PRINTER_SETTINGS: PrinterSettings = { kind: 'none', host: '', port: 9100, deviceName: '', paperWidth: 80, drawerOnCash: true };

const FILE = 'printer.json';
const HOST_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function parsePrinterSettings(raw: unknown): PrinterSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError('settings', 'printer settings must be an object');
  const o = raw as Record<string, unknown>;
  const known = new Set(Object.keys(DEFAULT_PRINTER_SETTINGS));
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ValidationError(k, `"${k}" is not a printer setting`);
  const kind = o['kind'] ?? DEFAULT_PRINTER_SETTINGS.kind;
  if (kind !== 'none' && kind !== 'network' && kind !== 'system') throw new ValidationError('kind', 'the printer kind is "none", "network" or "system"');
  const host = o['host'] ?? '';
  if (typeof host !== 'string') throw new ValidationError('host', 'the printer address must be text');
  const port = o['port'] ?? DEFAULT_PRINTER_SETTINGS.port;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw new ValidationError('port', 'the printer port is a whole number from 1 to 65535 (usually 9100)');
  const deviceName = o['deviceName'] ?? '';
  if (typeof deviceName !== 'string' || deviceName.length > 200) throw new ValidationError('deviceName', 'the system printer name must be text of at most 200 characters');
  const paperWidth = o['paperWidth'] ?? DEFAULT_PRINTER_SETTINGS.paperWidth;
  if (paperWidth !== 58 && paperWidth !== 80) throw new ValidationError('paperWidth', 'the paper width is 58 or 80 (mm)');
  const drawerOnCash = o['drawerOnCash'] ?? DEFAULT_PRINTER_SETTINGS.drawerOnCash;
  if (typeof drawerOnCash !== 'boolean') throw new ValidationError('drawerOnCash', 'drawerOnCash is true or false');
  const h = host.trim();
  if (kind === 'network' && !(isIP(h) || HOST_RE.test(h))) throw new ValidationError('host', h ? `"${h}" is not a host name or IP address` : 'a network printer needs its address (e.g. 192.168.1.50)');
  if (kind === 'system' && !deviceName.trim()) throw new ValidationError('deviceName', 'choose which system printer to use');
  return { kind, host: h, port: port as number, deviceName: deviceName.trim(), paperWidth, drawerOnCash };
}

export async function loadPrinterSettings(userDataDir: string): Promise<{ settings: PrinterSettings; problem?: string }> {
  const text = await readFile(join(userDataDir, FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return { settings: DEFAULT_PRINTER_SETTINGS };
  try {
    return { settings: parsePrinterSettings(JSON.parse(text)) };
  } catch (err) {
    // A damaged file must not stop the till from selling: print through the dialog, and say why.
    return { settings: DEFAULT_PRINTER_SETTINGS, problem: `the saved printer settings were unreadable (${err instanceof Error ? err.message : String(err)}); set the printer again` };
  }
}

export async function savePrinterSettings(userDataDir: string, settings: PrinterSettings): Promise<void> {
  await mkdir(userDataDir, { recursive: true });
  const path = join(userDataDir, FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(settings, null, 2));
  await rename(tmp, path);
}
