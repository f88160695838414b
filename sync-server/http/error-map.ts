import { PopupError, toTagged, ValidationError } from '../../core/base/errors.ts';
import { DocumentDamaged } from '../document-damage.ts';
import { ConflictError, ForbiddenError, MissingError, RequirementError, UnavailableError, type ServerError } from '../server-errors.ts';
import { BuyerLimitError, HoldLimitError, IdempotencyKeyReused, InvalidStatusTransition, OrderNotFound, PaymentMismatch, ReservationNotFound, RouteRefused } from '../storefront/storefront-errors.ts';
import { QueueClosed, QueueSoldOut, QueueJoinLimited, QueueNotAdmitted, QueueTicketInvalid, QueueTicketRequired, QueueTicketWrongBrowser } from '../storefront/queue.ts';
import { TrackingNotFound } from '../storefront/tracking.ts';
import { QaRateLimited, QaSenderBanned, QaTooManyWatchers, QuestionNotFound } from '../qa/qa-errors.ts';
import { MailDeliveryFailedError, MailNotConfiguredError, NotOneReceiptError, NotThisTillsSaleError, RecipientRefusedError, SaleNotOnServerError } from '../mail/receipt-mailer.ts';
import { EventHeldElsewhereError } from '../storage/store-access.ts';
import { LeaseLostError } from '../storage/store.ts';
import type { Reply } from './router.ts';

/**
 * The one place where a thrown error becomes an HTTP status and a JSON body. Domain code throws domain errors
 * and knows no status codes; the router (and the storefront's CORS wrapper) answer every throw through
 * `errorReply`. The bodies are the ones docs/api.md lists ("Errors"): `{ type, message }` plus the fields the
 * error carries.
 */

/** The HTTP layer's own refusals (a bad body, a role that may not, a rate limit): they carry their status. */
export class HttpError extends PopupError {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * The server's generic domain errors. Their wire `type` stays `HttpError`, which is what these answers said
 * before the domain stopped throwing HTTP errors (docs/api.md); the statuses are the ones they had.
 */
const GENERIC: readonly [new (...args: never[]) => ServerError, number][] = [
  [MissingError, 404],
  [ConflictError, 409],
  [ForbiddenError, 403],
  [RequirementError, 422],
  [UnavailableError, 503],
];

/** Named domain errors: their name is the wire `type`; `extra` adds the fields a client needs. */
const NAMED: readonly [new (...args: never[]) => Error, number, ((e: never) => Record<string, unknown>)?][] = [
  [ReservationNotFound, 404],
  [OrderNotFound, 404],
  [InvalidStatusTransition, 409],
  [HoldLimitError, 409, (e: HoldLimitError) => ({ details: e.details })],
  [BuyerLimitError, 409, (e: BuyerLimitError) => ({ details: e.details })],
  [RouteRefused, 409, (e: RouteRefused) => ({ lines: e.lines })],
  [PaymentMismatch, 422, (e: PaymentMismatch) => ({ total: e.total, amount: e.amount, currency: e.currency })],
  [IdempotencyKeyReused, 422],
  [DocumentDamaged, 503],
  [QueueTicketRequired, 403],
  [QueueTicketInvalid, 403],
  [QueueTicketWrongBrowser, 403],
  [QueueNotAdmitted, 409, (e: QueueNotAdmitted) => ({ details: e.details })],
  [QueueJoinLimited, 429, (e: QueueJoinLimited) => ({ details: e.details })],
  [QueueClosed, 409, (e: QueueClosed) => ({ details: e.details })],
  [QueueSoldOut, 409, (e: QueueSoldOut) => ({ details: e.details })],
  [TrackingNotFound, 404],
  [QuestionNotFound, 404],
  [QaSenderBanned, 403],
  [QaRateLimited, 429, (e: QaRateLimited) => ({ details: e.details })],
  [QaTooManyWatchers, 429, (e: QaTooManyWatchers) => ({ details: e.details })],
  [MailNotConfiguredError, 503],
  [SaleNotOnServerError, 409],
  [NotThisTillsSaleError, 403],
  [NotOneReceiptError, 422],
  [RecipientRefusedError, 422],
  [MailDeliveryFailedError, 502],
  // A cluster: the event's lease moved while the request was being served here; retried, it reaches the owner.
  [EventHeldElsewhereError, 503],
  [LeaseLostError, 503],
];

export function errorReply(err: unknown): Reply {
  const tagged = toTagged(err);
  if (err instanceof HttpError) {
    // A 429 says when to try again (rate-limits.ts).
    const retry = err.status === 429 && isRetryDetails(err.details) ? { 'retry-after': String(err.details.retryAfterSeconds) } : undefined;
    return { status: err.status, body: { ...tagged, ...(err.details !== undefined ? { details: err.details } : {}) }, ...(retry ? { headers: retry } : {}) };
  }
  for (const [kind, status] of GENERIC) {
    if (err instanceof kind) return { status, body: { type: 'HttpError', message: tagged.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
  }
  for (const [kind, status, extra] of NAMED) {
    if (!(err instanceof kind)) continue;
    const body: Record<string, unknown> = { ...tagged, ...extra?.(err as never) };
    // A 429 says when to try again.
    const details = body['details'];
    const retry = status === 429 && isRetryDetails(details) ? { 'retry-after': String(details.retryAfterSeconds) } : undefined;
    return { status, body, ...(retry ? { headers: retry } : {}) };
  }
  if (err instanceof ValidationError) return { status: 422, body: { ...tagged, field: err.field } };
  // Any other domain error (the ledger's InsufficientRightsError, NotOwnerError…): the state refused it.
  if (err instanceof PopupError) return { status: 409, body: tagged };
  return { status: 500, body: { type: 'InternalError', message: tagged.message } };
}

function isRetryDetails(d: unknown): d is { retryAfterSeconds: number } {
  return typeof d === 'object' && d !== null && typeof (d as { retryAfterSeconds?: unknown }).retryAfterSeconds === 'number';
}
