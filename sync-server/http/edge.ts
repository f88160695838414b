import type { IncomingMessage, Server } from 'node:http';
import type { Limits } from '../limits.ts';

/**
 * Options for `createServer`: Node checks the header and request timeouts on a timer (30 s by default), which
 * let a slow body live 30 s past its limit. Checking every second costs a walk over the open connections and
 * keeps the limits what they say.
 */
export const EDGE_SERVER_OPTIONS = { connectionsCheckingInterval: 1000 } as const;

/**
 * Time limits on the HTTP edge, so that connections which send nothing, or send slowly, cannot hold sockets
 * and buffers. Each number is in limits.ts with why it is what it is.
 */
export function applyEdgeTimeouts(server: Server, limits: Pick<Limits, 'handshakeTimeoutMs' | 'requestTimeoutMs' | 'idleConnectionMs'>): void {
  // Time to send the request head (the WebSocket upgrade included), counted from its first byte.
  // Node stops enforcing the request timeout at all when the header timeout is the longer of the two.
  server.headersTimeout = Math.min(limits.handshakeTimeoutMs, limits.requestTimeoutMs);
  // Time for the whole request, body included: ends a body sent a byte a second.
  server.requestTimeout = limits.requestTimeoutMs;
  server.on('connection', (socket) => {
    // Node's header timeout starts at the first byte, so a connection that never sends one was held for
    // ever. Until its first request arrives, an idle socket is closed (Node's own 'timeout' handler
    // destroys a socket nobody else answers for).
    socket.setTimeout(limits.idleConnectionMs);
  });
  server.on('request', (req: IncomingMessage) => {
    // From here the request and keep-alive timeouts govern; a long answer (a stock stream) must not be cut
    // by the idle limit meant for silent connections.
    req.socket.setTimeout(0);
  });
}
