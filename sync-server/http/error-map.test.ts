import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/base/errors.ts';
import { DocumentDamaged } from '../document-damage.ts';
import { ConflictError, EventNotFound, ForbiddenError, RequirementError, ServerClosing } from '../server-errors.ts';
import { BuyerLimitError, HoldLimitError, IdempotencyKeyReused, PaymentMismatch, ReservationNotFound, RouteRefused } from '../storefront/storefront-errors.ts';
import { errorReply, HttpError } from './error-map.ts';

/**
 * The domain throws domain errors; the edge answers each with the status and body the API answered before
 * the domain stopped importing HTTP (docs/api.md, "Errors"). These pin the answers the clients read.
 */
describe('errorReply: domain errors to the API’s answers', () => {
  it('keeps the generic answers’ type HttpError and their statuses', () => {
    expect(errorReply(new EventNotFound('e1'))).toEqual({ status: 404, body: { type: 'HttpError', message: 'there is no event "e1"' } });
    expect(errorReply(new ConflictError('taken', { field: 'code' }))).toEqual({ status: 409, body: { type: 'HttpError', message: 'taken', details: { field: 'code' } } });
    expect(errorReply(new ForbiddenError('no')).status).toBe(403);
    expect(errorReply(new RequirementError('who?', { limit: 'perCustomerPerDrop' }))).toEqual({ status: 422, body: { type: 'HttpError', message: 'who?', details: { limit: 'perCustomerPerDrop' } } });
    expect(errorReply(new ServerClosing())).toEqual({ status: 503, body: { type: 'HttpError', message: 'the server is shutting down' } });
  });

  it('answers named domain errors under their name with the fields a client needs', () => {
    expect(errorReply(new ReservationNotFound('e1', 'r1'))).toMatchObject({ status: 404, body: { type: 'ReservationNotFound' } });
    expect(errorReply(new HoldLimitError('holdsPerDrop', 2, 2, 'cap'))).toEqual({ status: 409, body: { type: 'HoldLimitError', message: 'cap', details: { limit: 'holdsPerDrop', max: 2, held: 2 } } });
    expect(errorReply(new BuyerLimitError('perCustomerPerProduct', 1, 1, 'one each', 'TEE'))).toEqual({ status: 409, body: { type: 'BuyerLimitError', message: 'one each', details: { limit: 'perCustomerPerProduct', max: 1, bought: 1, sku: 'TEE' } } });
    const lines = [{ brandId: 'b', sku: 'TEE', requested: 2, available: 1, byLocation: {} }];
    expect(errorReply(new RouteRefused('short', lines))).toMatchObject({ status: 409, body: { type: 'InsufficientStock', lines } });
    expect(errorReply(new RouteRefused('split', lines))).toMatchObject({ status: 409, body: { type: 'NoSingleLocation', lines } });
    expect(errorReply(new PaymentMismatch(500, 400, 'EUR'))).toMatchObject({ status: 422, body: { type: 'PaymentMismatch', total: 500, amount: 400, currency: 'EUR' } });
    expect(errorReply(new IdempotencyKeyReused())).toMatchObject({ status: 422, body: { type: 'IdempotencyKeyReused' } });
    expect(errorReply(new DocumentDamaged('event/e1/setup', 'does not decode'))).toMatchObject({ status: 503, body: { type: 'DocumentDamaged' } });
  });

  it('keeps the edge’s own errors, validation, other domain errors and faults as they were', () => {
    expect(errorReply(new HttpError(429, 'slow down', { limit: 'pair', retryAfterSeconds: 3 }))).toEqual({ status: 429, body: { type: 'HttpError', message: 'slow down', details: { limit: 'pair', retryAfterSeconds: 3 } }, headers: { 'retry-after': '3' } });
    expect(errorReply(new ValidationError('lines[0].qty', 'must be a whole number'))).toEqual({ status: 422, body: { type: 'ValidationError', message: 'lines[0].qty: must be a whole number', field: 'lines[0].qty' } });
    expect(errorReply(new TypeError('boom'))).toEqual({ status: 500, body: { type: 'InternalError', message: 'boom' } });
  });
});
