import { describe, expect, it } from 'vitest';
import type { ReceiptModel } from '../../core/selling/receipt.ts';
import type { HubController } from '../hub/hub-controller.ts';
import { PrintService } from '../printing/print-service.ts';
import { DEFAULT_PRINTER_SETTINGS, type PrinterSettings } from '../printing/printer-settings.ts';
import { API_NAMES, channelOf, type ApiName } from './api-names.ts';
import { createHandlers, type Handler } from './handlers.ts';
import { invoke, registerHandlers } from './register.ts';

const receipt: ReceiptModel = {
  eventName: 'Market',
  receiptNumber: 'T1-00001',
  issuedAt: 'now',
  tillId: 'till-1',
  sections: [{ brand: 'B', lines: [{ label: 'Mug', qty: 1, unitPrice: '€1', total: '€1' }], total: '€1' }],
  discounts: [],
  discount: undefined,
  taxLines: [],
  total: '€1',
  payments: [{ label: 'Cash', amount: '€1' }],
  change: undefined,
  policy: 'Returns within 14 days.',
  lookupCode: 'T1-00001',
};

function setup(printer: Partial<PrinterSettings> = {}) {
  const calls: string[] = [];
  let settings: PrinterSettings = { ...DEFAULT_PRINTER_SETTINGS, ...printer };
  const print = new PrintService({
    settings: () => settings,
    sendNetwork: async (host, port, data) => {
      calls.push(`network ${host}:${port} ${data.length}`);
      return { bytes: data.length, status: { answered: true, coverOpen: false, paperOut: false, paperNearEnd: false, error: false } };
    },
    printSystem: async (_html, device) => void calls.push(`system ${device}`),
  });
  const hub = {
    start: async (i: unknown) => (calls.push(`hub start ${JSON.stringify(i)}`), { running: true, urls: [], events: [] }),
    stop: async () => (calls.push('hub stop'), { running: false, urls: [], events: [] }),
    status: async () => ({ running: false, urls: [], events: [] }),
    pairingCode: async (r: unknown) => (calls.push(`hub code ${JSON.stringify(r)}`), { code: 'ABCD-EFGH', expiresAt: 1, tillId: 'till-9', url: 'http://10.0.0.2:8787' }),
  } as unknown as HubController;
  const handlers = createHandlers({
    printer: print,
    printers: async () => [{ name: 'TM-T20', displayName: 'Epson TM-T20', description: '', status: 0, options: {} } as never],
    settings: { get: () => settings, save: async (s) => void ((settings = s), calls.push('saved')) },
    device: () => ({ deviceId: '0123456789AB', name: 'till', platform: 'linux', kiosk: false }),
    version: () => ({ version: '0.1.0', electron: '45', chrome: '140' }),
    hub,
  });
  const call = (name: ApiName, input?: unknown, url = 'app://popup/index.html') => invoke(handlers[name] as Handler<unknown, unknown>, url, input);
  return { handlers, call, calls };
}

/** For every exposed function: inputs it must refuse. */
const BAD: Record<ApiName, unknown[]> = {
  printReceipt: [undefined, null, 'receipt', { receipt }, { receipt: { ...receipt, sections: 'x' } }, { receipt: { ...receipt, lookupCode: 'Ré-1' } }, { receipt: { ...receipt, eventName: 'x'.repeat(201) } }, { receipt, openDrawer: 'yes' }, { receipt: { ...receipt, extra: 1 } }, { receipt: { ...receipt, sections: [{ brand: 'B', lines: [{ label: 'Mug', qty: 0, unitPrice: '', total: '' }], total: '' }] } }].map((v, i) => (i === 3 ? { receipt: { ...receipt, total: 5 } } : v)),
  printZReport: [undefined, {}, { text: '' }, { text: 'x'.repeat(43) }, { text: 5 }, { text: 'ok', more: 1 }],
  openDrawer: [undefined, {}, { reason: 'because' }, { reason: 'manager', force: true }],
  listPrinters: [{}, 'all', 1],
  printerSettings: [{}, null],
  savePrinterSettings: [undefined, { kind: 'laser' }, { kind: 'network' }, { kind: 'network', host: 'bad host!' }, { kind: 'network', host: '10.0.0.5', port: 70000 }, { kind: 'system' }, { paperWidth: 76 }, { drawerOnCash: 'yes' }, { kind: 'none', colour: 'red' }],
  deviceInfo: [{}, 'id'],
  appVersion: [{}, 0],
  hubStart: [
    null,
    { port: 80 },
    { port: '8787' },
    { demo: 'yes' },
    { port: 8787, host: '0.0.0.0' },
    { upstream: { url: 'ftp://x', token: 't', eventId: 'e' } },
    { upstream: { url: 'https://sync.example.com', token: '', eventId: 'e' } },
    { upstream: { url: 'https://sync.example.com', token: 't', eventId: 'Bad Id' } },
    { upstream: { url: 'https://sync.example.com', token: 't', eventId: 'e' }, demo: true },
    { upstream: 'https://sync.example.com' },
  ],
  hubStop: [{}, true],
  hubStatus: [{}, 'x'],
  hubPairingCode: [undefined, {}, { eventId: 'Demo Mall', name: 'T', locationId: 'booth-a', brandIds: ['a'] }, { eventId: 'demo', name: '', locationId: 'booth-a', brandIds: ['a'] }, { eventId: 'demo', name: 'T', locationId: 'booth-a', brandIds: [] }, { eventId: 'demo', name: 'T', locationId: '../x', brandIds: ['a'] }],
};

describe('the IPC handlers', () => {
  it('exist for exactly the names the preload exposes, each on its own channel', () => {
    const { handlers } = setup();
    expect(Object.keys(handlers).sort()).toEqual([...API_NAMES].sort());
    const channels: string[] = [];
    registerHandlers({ handle: (ch: string) => void channels.push(ch) } as never, handlers, () => undefined);
    expect(channels).toEqual(API_NAMES.map(channelOf));
    expect(new Set(channels).size).toBe(API_NAMES.length);
  });

  for (const name of API_NAMES) {
    it(`${name} rejects bad input with a clear error and does nothing`, async () => {
      const { call, calls } = setup({ kind: 'network', host: '10.0.0.5' });
      expect(BAD[name].length).toBeGreaterThan(0);
      for (const input of BAD[name]) {
        const result = await call(name, input);
        expect(result.ok, `${name}(${JSON.stringify(input)})`).toBe(false);
        if (!result.ok) {
          expect(result.error.type).toBe('ValidationError');
          expect(result.error.message.length).toBeGreaterThan(8);
        }
      }
      expect(calls).toEqual([]);
    });
  }

  it('answer nothing to a frame that is not the till', async () => {
    const { call, calls } = setup({ kind: 'network', host: '10.0.0.5' });
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://popup.evil.example/', '']) {
      const r = await call('openDrawer', { reason: 'manager' }, url);
      expect(r).toEqual({ ok: false, error: { type: 'Forbidden', message: 'only the till itself may use the desktop functions' } });
    }
    expect(calls).toEqual([]);
  });

  it('carry out valid calls', async () => {
    const { call, calls } = setup({ kind: 'network', host: '10.0.0.5' });
    expect(await call('printReceipt', { receipt, openDrawer: true })).toEqual({ ok: true, value: { printer: '10.0.0.5:9100', drawerOpened: true } });
    expect((await call('printZReport', { text: 'Z REPORT\n' })).ok).toBe(true);
    expect(await call('openDrawer', { reason: 'manager' })).toEqual({ ok: true, value: { printer: '10.0.0.5:9100', drawerOpened: true } });
    expect(await call('listPrinters')).toEqual({ ok: true, value: [{ name: 'TM-T20', displayName: 'Epson TM-T20', isDefault: false }] });
    expect(await call('deviceInfo')).toEqual({ ok: true, value: { deviceId: '0123456789AB', name: 'till', platform: 'linux', kiosk: false } });
    expect(await call('savePrinterSettings', { kind: 'system', deviceName: 'TM-T20', paperWidth: 58 })).toEqual({ ok: true, value: { ...DEFAULT_PRINTER_SETTINGS, kind: 'system', deviceName: 'TM-T20', paperWidth: 58 } });
    expect(await call('printerSettings')).toEqual({ ok: true, value: { ...DEFAULT_PRINTER_SETTINGS, kind: 'system', deviceName: 'TM-T20', paperWidth: 58 } });
    expect((await call('hubStart', { port: 8790, demo: true })).ok).toBe(true);
    expect((await call('hubPairingCode', { eventId: 'demo-flash-mall', name: 'Booth C', locationId: 'booth-a', brandIds: ['north-thread'] })).ok).toBe(true);
    expect(calls).toEqual([
      expect.stringMatching(/^network 10\.0\.0\.5:9100 \d+$/),
      expect.stringMatching(/^network 10\.0\.0\.5:9100 \d+$/),
      expect.stringMatching(/^network 10\.0\.0\.5:9100 \d{1,2}$/),
      'saved',
      'hub start {"port":8790,"demo":true}',
      'hub code {"eventId":"demo-flash-mall","name":"Booth C","locationId":"booth-a","brandIds":["north-thread"]}',
    ]);
  });

  it('open the drawer after a cash sale only where there is one and it is wanted; a manager gets told why not', async () => {
    const none = setup();
    expect(await none.call('openDrawer', { reason: 'cash-sale' })).toEqual({ ok: true, value: { printer: '', drawerOpened: false, skipped: 'no network receipt printer' } });
    const manager = await none.call('openDrawer', { reason: 'manager' });
    expect(manager.ok).toBe(false);
    if (!manager.ok) expect(manager.error.message).toMatch(/cash drawer opens through a network receipt printer/);
    const off = setup({ kind: 'network', host: '10.0.0.5', drawerOnCash: false });
    expect(await off.call('openDrawer', { reason: 'cash-sale' })).toEqual({ ok: true, value: { printer: '10.0.0.5:9100', drawerOpened: false, skipped: 'turned off in the printer settings' } });
    expect(off.calls).toEqual([]);
  });

  it('pass a failure of the action back as a tagged error, not a thrown one', async () => {
    const { call } = setup();
    expect(await call('printReceipt', { receipt })).toEqual({ ok: false, error: { type: 'PrinterError', message: expect.stringMatching(/No receipt printer is set up/) } });
  });
});
