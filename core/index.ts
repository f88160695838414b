/**
 * The core's public surface: every non-test module in core/, re-exported. The purity test
 * (test/unit/core-purity.test.ts) bundles this file and runs it with no DOM and no Node, and checks that
 * every module in core/ is listed here; add new modules to it.
 */
export * from './reports/alerts.ts';
export * from './customers/buyer-limits.ts';
export * from './selling/cart.ts';
export * from './reports/audit.ts';
export * from './catalog/catalog-csv.ts';
export * from './catalog/catalog.ts';
export * from './selling/checkout.ts';
export * from './selling/drop-window.ts';
export * from './selling/discounts.ts';
export * from './selling/discount-names.ts';
export * from './base/csv.ts';
export * from './customers/customer.ts';
export * from './customers/email-address.ts';
export * from './reports/dashboard.ts';
export * from './reports/figures.ts';
export * from './event/demo-event.ts';
export * from './ledger/entry-rules.ts';
export * from './base/errors.ts';
export * from './event/event.ts';
export * from './base/hlc.ts';
export * from './ledger/holders.ts';
export * from './base/ids.ts';
export * from './ledger/ledger.ts';
export * from './base/money.ts';
export * from './base/platform.ts';
export * from './selling/pricing.ts';
export * from './ledger/rebalance.ts';
export * from './selling/receipt.ts';
export * from './refunds/refund-builder.ts';
export * from './refunds/refund-receipt.ts';
export * from './refunds/refund-rights.ts';
export * from './refunds/refund.ts';
export * from './ledger/retention.ts';
export * from './ledger/rights-request.ts';
export * from './ledger/return-request.ts';
export * from './ledger/rights.ts';
export * from './ledger/routing.ts';
export * from './selling/sale-rules.ts';
export * from './selling/sale.ts';
export * from './event/schema.ts';
export * from './reports/settlement.ts';
export * from './event/shift.ts';
export * from './event/staff.ts';
export * from './ledger/stock-moves.ts';
export * from './ledger/stock-view.ts';
export * from './selling/tax.ts';
export * from './selling/tender.ts';
export * from './base/validate.ts';
export * from './base/wire.ts';
export * from './reports/z-report.ts';
export * from './base/zoned-time.ts';
