import { afterEach, describe, expect, it } from 'vitest';
import { desktop, DesktopError, printReceipt, printZReport } from './desktop.ts';
import type { ReceiptModel } from '../../../core/selling/receipt.ts';

const receipt = { receiptNumber: 'T1-00001' } as ReceiptModel;
const g = globalThis as unknown as { window?: { popup?: unknown; print?: () => void } };

afterEach(() => {
  delete g.window;
});

function bridge(kind: 'none' | 'network', printed: unknown[]) {
  return {
    printerSettings: async () => ({ ok: true, value: { kind } }),
    printReceipt: async (input: unknown) => (printed.push(input), kind === 'network' ? { ok: true, value: { printer: '10.0.0.5:9100', drawerOpened: false, warning: 'low' } } : { ok: false, error: { type: 'PrinterError', message: 'No receipt printer' } }),
    printZReport: async (input: unknown) => (printed.push(input), { ok: false, error: { type: 'PrinterError', message: 'The printer at 10.0.0.5:9100 is out of paper' } }),
  };
}

describe('the desktop bridge in the renderer', () => {
  it('is absent in a browser, and printing falls back to the print dialog', async () => {
    g.window = {};
    expect(desktop()).toBeUndefined();
    let dialogs = 0;
    expect(await printReceipt(receipt, () => dialogs++)).toEqual({ via: 'dialog' });
    expect(await printZReport('Z', () => dialogs++)).toEqual({ via: 'dialog' });
    expect(dialogs).toBe(2);
  });

  it('prints on the desktop printer when one is set up, and passes its warning on', async () => {
    const printed: unknown[] = [];
    g.window = { popup: bridge('network', printed) };
    let dialogs = 0;
    expect(await printReceipt(receipt, () => dialogs++)).toEqual({ via: 'printer', printer: '10.0.0.5:9100', warning: 'low' });
    expect(printed).toEqual([{ receipt }]);
    expect(dialogs).toBe(0);
  });

  it('uses the print dialog in the desktop app when no printer is set up', async () => {
    const printed: unknown[] = [];
    g.window = { popup: bridge('none', printed) };
    let dialogs = 0;
    expect(await printReceipt(receipt, () => dialogs++)).toEqual({ via: 'dialog' });
    expect(printed).toEqual([]);
  });

  it('turns a tagged failure into an error with the main process’s message', async () => {
    g.window = { popup: bridge('network', []) };
    const err = await printZReport('Z').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DesktopError);
    expect((err as DesktopError).message).toBe('The printer at 10.0.0.5:9100 is out of paper');
    expect((err as DesktopError).type).toBe('PrinterError');
  });
});

describe('the desktop device id', () => {
  it('comes from the desktop app, and is absent in a browser', async () => {
    const { desktopDeviceId } = await import('./desktop.ts');
    g.window = {};
    expect(await desktopDeviceId()).toBeUndefined();
    g.window = { popup: { deviceInfo: async () => ({ ok: true, value: { deviceId: '7K2M9Q4XPA1B', name: 'till', platform: 'linux', kiosk: false } }) } };
    expect(await desktopDeviceId()).toBe('7K2M9Q4XPA1B');
  });
});
