/**
 * The core's public surface: every non-test module in core/, re-exported. The purity test
 * (test/unit/core-purity.test.ts) bundles this file and runs it with no DOM and no Node, and checks that
 * every module in core/ is listed here; add new modules to it.
 */
export * from './alerts.ts';
export * from './buyer-limits.ts';
export * from './cart.ts';
export * from './audit.ts';
export * from './catalog-csv.ts';
export * from './catalog.ts';
export * from './checkout.ts';
export * from './csv.ts';
export * from './customer.ts';
export * from './dashboard.ts';
export * from './demo-event.ts';
export * from './entry-rules.ts';
export * from './errors.ts';
export * from './event.ts';
export * from './hlc.ts';
export * from './holders.ts';
export * from './ids.ts';
export * from './ledger.ts';
export * from './money.ts';
export * from './platform.ts';
export * from './pricing.ts';
export * from './rebalance.ts';
export * from './receipt.ts';
export * from './refund-builder.ts';
export * from './refund-rights.ts';
export * from './refund.ts';
export * from './retention.ts';
export * from './rights-request.ts';
export * from './rights.ts';
export * from './routing.ts';
export * from './sale-rules.ts';
export * from './sale.ts';
export * from './schema.ts';
export * from './settlement.ts';
export * from './shift.ts';
export * from './staff.ts';
export * from './stock-view.ts';
export * from './tax.ts';
export * from './tender.ts';
export * from './validate.ts';
export * from './wire.ts';
export * from './z-report.ts';
export * from './zoned-time.ts';
