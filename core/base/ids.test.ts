import { describe, expect, it } from 'vitest';
import { HybridClock } from './hlc.ts';
import { deviceOfId, formatReceiptNumber, isDeviceId, newDeviceId, newId, newYjsClientId, parseReceiptNumber } from './ids.ts';
import { webCryptoRandom } from './platform.ts';

describe('device-generated ids', () => {
  it('makes device ids from the Crockford alphabet, different every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newDeviceId(webCryptoRandom)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isDeviceId(id)).toBe(true);
  });

  it('makes sortable ids that name their device and never collide between devices at the same instant', () => {
    const now = { now: () => 42 };
    const a = new HybridClock('AAAAAAAAAAAA', now);
    const b = new HybridClock('BBBBBBBBBBBB', now);
    const ids = [...Array.from({ length: 500 }, () => newId('e', a)), ...Array.from({ length: 500 }, () => newId('e', b))];
    expect(new Set(ids).size).toBe(1000);
    const fromA = ids.slice(0, 500);
    expect([...fromA].sort()).toEqual(fromA);
    expect(deviceOfId(ids[0]!)).toBe('AAAAAAAAAAAA');
    expect(() => newId('Sale', a)).toThrow(/prefix/);
  });

  it('makes non-zero 32-bit Yjs client ids', () => {
    for (let i = 0; i < 100; i++) {
      const id = newYjsClientId(webCryptoRandom);
      expect(Number.isInteger(id) && id > 0 && id <= 0xffffffff).toBe(true);
    }
  });

  it('formats receipt numbers per till so two tills never print the same one', () => {
    expect(formatReceiptNumber('T01', 42)).toBe('T01-00042');
    expect(formatReceiptNumber('T02', 42)).not.toBe(formatReceiptNumber('T01', 42));
    expect(parseReceiptNumber(' t01-00042 ')).toEqual({ prefix: 'T01', seq: 42 });
    expect(() => parseReceiptNumber('42')).toThrow(/receipt number/);
    expect(() => formatReceiptNumber('T01', 0)).toThrow(/positive/);
  });
});
