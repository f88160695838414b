import { PopupError } from '../core/base/errors.ts';

/**
 * The server's domain errors that are not one domain's own: something named does not exist, the state
 * forbids the change, the caller may not, or the server cannot serve it now. Domain code throws these (or its
 * own, next to it: storefront/storefront-errors.ts, document-damage.ts); it never knows the status code.
 * The HTTP edge (http/error-map.ts) turns each into its status and JSON body in one place.
 *
 * `details` carries what a caller needs beyond the message (which field, which limit).
 */
export class ServerError extends PopupError {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** What the request names does not exist (an event, a till, a pairing code, a creator). */
export class MissingError extends ServerError {}

/** The current state forbids the change (the event exists already, the till is paired already). */
export class ConflictError extends ServerError {}

/** The caller's token may do other things, not this one. */
export class ForbiddenError extends ServerError {}

/** The request lacks something the rules need to be checked (a buyer's identity under a per-buyer limit). */
export class RequirementError extends ServerError {}

/** The server cannot serve it now (shutting down, a stream that closed while starting); it may be retried. */
export class UnavailableError extends ServerError {}

/** The event the request names does not exist on this server. */
export class EventNotFound extends MissingError {
  constructor(readonly eventId: string) {
    super(`there is no event "${eventId}"`);
  }
}

/** The server is closing: no new work starts. */
export class ServerClosing extends UnavailableError {
  constructor() {
    super('the server is shutting down');
  }
}
