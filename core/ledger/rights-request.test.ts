import { describe, expect, it } from 'vitest';
import { HybridClock } from '../base/hlc.ts';
import { RESERVE, SERVER_WRITER } from './holders.ts';
import { LedgerWriter } from './rights.ts';
import { parseRightsRequest, requestStatuses } from './rights-request.ts';
import { StockView } from './stock-view.ts';

describe('rights requests', () => {
  it('derive their status from the transfers that answer them, to the requesting holder only', () => {
    const req = parseRightsRequest({ id: 'q_1-T1DEV0000001', at: '000mgj6k3cw0000-T1DEV0000001', writer: 'T1DEV0000001', holder: 'till:t1', sku: 'TEE', qty: 5 });
    const view = new StockView();
    const server = new LedgerWriter(SERVER_WRITER, new HybridClock(SERVER_WRITER, { now: () => 1 }), view, () => SERVER_WRITER);
    const b = server.batch();
    b.receive(RESERVE, 'TEE', 10);
    expect(requestStatuses([req], b.entries)[0]).toMatchObject({ state: 'open', granted: 0 });
    b.transfer(RESERVE, 'till:t1', 'TEE', 2, req.id);
    b.transfer(RESERVE, 'till:t2', 'TEE', 3, req.id); // wrong holder: does not count
    expect(requestStatuses([req], b.entries)[0]).toMatchObject({ state: 'partial', granted: 2 });
    b.transfer(RESERVE, 'till:t1', 'TEE', 3, req.id);
    expect(requestStatuses([req], b.entries)[0]).toMatchObject({ state: 'granted', granted: 5 });
  });

  it('refuses a request for a holder that does not exist or a zero quantity', () => {
    const base = { id: 'q', at: 'x', writer: 'w', sku: 'TEE', qty: 1 };
    expect(() => parseRightsRequest({ ...base, holder: 'shop' })).toThrow(/holder/);
    expect(() => parseRightsRequest({ ...base, holder: 'till:t1', qty: 0 })).toThrow(/qty/);
  });
});
