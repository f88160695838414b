import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors.ts';
import { RESERVE, tillHolder } from './holders.ts';
import type { LedgerEntry } from './ledger.ts';
import { handBack, parseReturnRequest, returnStatuses, type ReturnRequest } from './return-request.ts';

const T1 = tillHolder('till-1');
const request = (over: Partial<ReturnRequest> = {}): ReturnRequest => ({ id: 't_1', at: '0000000001000-0000-SERVER000000', writer: 'SERVER000000', holder: T1, lines: [{ sku: 'NT-CAP', qty: 5 }], expiresAt: 10_000, ...over });
let n = 0;
const back = (ref: string, qty: number, sku = 'NT-CAP', from = T1, to = RESERVE): LedgerEntry => ({ id: `e${++n}`, at: '', writer: 'T1DEV0000001', kind: 'transfer', sku, qty, from, to, ref });

describe('return requests (stock back from a till to the reserve)', () => {
  it('parses only a till holder, 1..200 lines each SKU once, a positive quantity', () => {
    expect(parseReturnRequest(request())).toEqual(request());
    expect(() => parseReturnRequest(request({ holder: RESERVE }))).toThrow(ValidationError);
    expect(() => parseReturnRequest(request({ lines: [] }))).toThrow(/1 to 200 lines/);
    expect(() => parseReturnRequest(request({ lines: [{ sku: 'NT-CAP', qty: 1 }, { sku: 'NT-CAP', qty: 2 }] }))).toThrow(/each SKU once/);
    expect(() => parseReturnRequest(request({ lines: [{ sku: 'NT-CAP', qty: 0 }] }))).toThrow(ValidationError);
  });

  it('counts only transfers from its till to the reserve that name it: open, partial, returned, expired', () => {
    const r = request();
    expect(returnStatuses([r], [], 0)[0]!.state).toBe('open');
    // Another holder's transfer, a transfer elsewhere and one naming no request do not answer it.
    const noise = [back('t_1', 2, 'NT-CAP', tillHolder('till-2')), back('t_1', 2, 'NT-CAP', T1, tillHolder('till-2')), back('other', 2)];
    expect(returnStatuses([r], noise, 0)[0]!.lines[0]!.returned).toBe(0);
    expect(returnStatuses([r], [back('t_1', 2)], 0)[0]).toMatchObject({ state: 'partial', lines: [{ sku: 'NT-CAP', qty: 5, returned: 2 }] });
    expect(returnStatuses([r], [back('t_1', 2), back('t_1', 3)], 0)[0]!.state).toBe('returned');
    expect(returnStatuses([r], [back('t_1', 2)], 10_000)[0]!.state).toBe('expired');
  });

  it('hands back what is still asked, up to what the till holds and no cart holds, never the same unit twice', () => {
    const first = request({ id: 't_1', lines: [{ sku: 'NT-CAP', qty: 5 }, { sku: 'NT-TOTE', qty: 2 }] });
    const second = request({ id: 't_2', at: '0000000002000-0000-SERVER000000', lines: [{ sku: 'NT-CAP', qty: 4 }] });
    const statuses = returnStatuses([second, first], [back('t_1', 1)], 0);
    // 6 caps free: 4 still asked by the first (older) request, then 2 of the second's 4. No totes free.
    const free = (sku: string) => (sku === 'NT-CAP' ? 6 : 0);
    expect(handBack(statuses, T1, free)).toEqual([
      { requestId: 't_1', sku: 'NT-CAP', qty: 4 },
      { requestId: 't_2', sku: 'NT-CAP', qty: 2 },
    ]);
    // Another till's requests, a returned one and an expired one hand back nothing.
    expect(handBack(statuses, tillHolder('till-2'), free)).toEqual([]);
    expect(handBack(returnStatuses([first], [back('t_1', 5), back('t_1', 2, 'NT-TOTE')], 0), T1, free)).toEqual([]);
    expect(handBack(returnStatuses([first], [], 20_000), T1, free)).toEqual([]);
    // A till holding less than the carts hold (negative free) hands back nothing.
    expect(handBack(returnStatuses([first], [], 0), T1, () => -3)).toEqual([]);
  });
});
