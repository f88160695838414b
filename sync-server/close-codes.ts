/**
 * WebSocket close codes the sync server uses, in the 4000–4999 range RFC 6455 §7.4.2 leaves to
 * applications. A client can tell from the code whether to reconnect (4429, 1011, 1001) or to stop and
 * ask the person (4401, 4403, 4410, 4419).
 */
export const CloseCode = {
  /** The server is shutting down; reconnect later. */
  GoingAway: 1001,
  /** A message was too large (limit: `maxMessageBytes`). */
  MessageTooBig: 1009,
  /** The server failed (e.g. could not persist); reconnect and resend what is unacknowledged. */
  InternalError: 1011,
  /** No valid token: pair again. */
  Unauthorized: 4401,
  /** The token is valid but may not open this document. */
  Forbidden: 4403,
  /** The document name is not one the server knows how to hold. */
  UnknownDocument: 4404,
  /** A read-only connection sent a change. */
  ReadOnly: 4405,
  /** An update broke a rule (append-only, foreign writer, rights below zero): it was not applied. */
  UpdateRejected: 4422,
  /** Too many messages per second, or too many connections for this token. */
  RateLimited: 4429,
  /** A message that is not the y-websocket protocol. */
  ProtocolError: 4400,
  /**
   * The token was revoked (by the organiser or an admin, or because its till was paired with another
   * device): open connections close with it at once, and new ones are refused with it. Do not reconnect.
   */
  TokenRevoked: 4410,
  /** The token's `expiresAt` has passed: open connections close with it then, new ones are refused. */
  TokenExpired: 4419,
  /**
   * The stored document is damaged: refused until an admin rebuilds it (docs/operations.md). Reconnect with
   * backoff (a till keeps what the rebuild needs); not 4410, which tells a client to stop for good.
   */
  DocumentDamaged: 4503,
  /**
   * In a cluster (docs/operations.md), this process no longer owns the document's event: its lease was
   * taken over (after a stall) or could not be renewed. Nothing was lost: reconnect with backoff (the next
   * connection reaches the new owner) and resend what is unacknowledged.
   */
  EventMoved: 4409,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];
