import { describe, expect, it } from 'vitest';
import type { Sale } from '../../core/selling/sale.ts';
import { relayedSaleLost } from './checks.ts';

/**
 * The one refusal relay-at-once makes expected (found by the chaos run of seed 20261203): a refund of
 * another till's sale that the server relayed early and then lost in a SIGKILL. Anything else stays a problem.
 */
const sales = new Map<string, Sale>([['s_other', { id: 's_other', tillId: 'T2' } as Sale]]);
const landed = new Set(['r_1']);
const reason = 'refunds/r_1 names sale s_other, which this server does not have';

describe('relayedSaleLost', () => {
  it('accepts a refused refund of another till’s sale once both are on the server after a SIGKILL', () => {
    expect(relayedSaleLost(reason, 'T1', sales, landed, 3)).toBe(true);
    expect(relayedSaleLost('refundRights/r_1 names sale s_other, which this server does not have', 'T1', sales, landed, 1)).toBe(true);
  });

  it('refuses it without a SIGKILL, for the till’s own sale, for a sale never on the server, or a refund that never landed', () => {
    expect(relayedSaleLost(reason, 'T1', sales, landed, 0)).toBe(false);
    expect(relayedSaleLost(reason, 'T2', sales, landed, 3)).toBe(false);
    expect(relayedSaleLost('refunds/r_1 names sale s_ghost, which this server does not have', 'T1', sales, landed, 3)).toBe(false);
    expect(relayedSaleLost(reason, 'T1', sales, new Set(), 3)).toBe(false);
    expect(relayedSaleLost('refunds/r_1 refused (NoRefundRightsError): no rights', 'T1', sales, landed, 3)).toBe(false);
  });
});
