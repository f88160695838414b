/** The wire protocol lives in the core, shared with the till's sync client. */
export * from '../core/base/wire.ts';
