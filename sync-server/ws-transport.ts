import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { hashToken, type Auth, type Claims } from './auth.ts';
import { CloseCode } from './close-codes.ts';
import type { DocHub, Peer } from './doc-hub.ts';
import type { Limits } from './limits.ts';
import { connectionCap, TokenBucket } from './limits.ts';
import type { Metrics } from './metrics.ts';
import { serveMultiplexed } from './ws-multiplex.ts';
import { fitReason, tickBatchedSend, toBytes } from './ws-frames.ts';

/** Many documents on one connection (ws-multiplex.ts): the organiser console's. */
const MULTI_PATH = '/sync-multi';

/**
 * The WebSocket side: `ws://host:port/sync/<docName>?token=…[&ack=1][&resend=own]`, or many documents on one
 * connection at `/sync-multi?token=…` (ws-multiplex.ts). It authenticates, enforces the
 * connection and message limits, and passes messages to the DocHub; everything else is the hub's.
 * A refused connection is upgraded and then closed with a named code, so that the client can tell why.
 */
export function attachWebSockets(server: Server, deps: { hub: DocHub; auth: Auth; limits: Limits; metrics: Metrics }): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.limits.maxMessageBytes });
  // Storefront connections only read: their frames are bounded far lower, before they are buffered (limits.ts).
  const readOnlyWss = new WebSocketServer({ noServer: true, maxPayload: deps.limits.readOnlyMessageBytes });
  const perToken = new Map<string, number>();
  let nextId = 1;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // A request target URL cannot parse (`GET http://[ …`): throwing here would end the process.
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    if (!url.pathname.startsWith('/sync/') && url.pathname !== MULTI_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    // The role picks the frame limit, so it is looked up before the upgrade (`accept` checks the token again).
    void deps.auth.verify(url.searchParams.get('token')).then(
      (claims) => {
        if (socket.destroyed) return;
        (claims?.role === 'storefront' ? readOnlyWss : wss).handleUpgrade(req, socket, head, (ws) => {
          void accept(ws, socket, url).catch(() => ws.close(CloseCode.InternalError, 'internal error'));
        });
      },
      () => socket.destroy(),
    );
  };

  const accept = async (ws: WebSocket, socket: Duplex, url: URL) => {
    // Listen for errors first: a frame over `maxPayload` can arrive while we authenticate, and an 'error'
    // event with no listener would be thrown and end the process.
    ws.on('error', () => ws.terminate());
    const multi = url.pathname === MULTI_PATH;
    let docName = '';
    try {
      if (!multi) docName = decodeURIComponent(url.pathname.slice('/sync/'.length));
    } catch {
      ws.close(CloseCode.UnknownDocument, 'the document name is not valid percent-encoding');
      return;
    }
    const token = url.searchParams.get('token');
    // Messages that arrive while we authenticate are kept, in order, and handled once the peer has joined.
    const early: RawData[] = [];
    const buffer = (data: RawData) => early.push(data);
    ws.on('message', buffer);
    // Tracked before the token is checked, so a revocation that lands while we check still closes it.
    const untrack = token ? deps.auth.live.track(hashToken(token), (code, reason) => ws.close(code, fitReason(reason))) : () => undefined;
    ws.once('close', untrack);
    const checked = await deps.auth.check(token);
    if (!checked.ok) {
      ws.close(checked.refusal.closeCode, fitReason(checked.refusal.message));
      return;
    }
    const claims: Claims = checked.claims;
    // The client left while we authenticated: its 'close' has fired already, so counting it now would
    // hold one of the token's connections forever.
    if (ws.readyState !== ws.OPEN) return;
    const key = checked.key;
    if (claims.expiresAt !== undefined) deps.auth.live.expireAt(key, claims.expiresAt);
    const open = perToken.get(key) ?? 0;
    const cap = connectionCap(claims, deps.limits);
    if (open >= cap) {
      ws.close(CloseCode.RateLimited, `at most ${cap} connections per token`);
      return;
    }
    perToken.set(key, open + 1);
    deps.metrics.connections++;
    const bucket = new TokenBucket(deps.limits.messagesPerSecond, deps.limits.messagesPerSecond * 2);
    const release = () => {
      deps.metrics.connections--;
      perToken.set(key, (perToken.get(key) ?? 1) - 1);
      if (perToken.get(key) === 0) perToken.delete(key);
    };
    if (multi) {
      const handleFrame = serveMultiplexed(ws, tickBatchedSend(ws, socket), {
        hub: deps.hub,
        claims,
        nextId: () => nextId++,
        wantsAck: url.searchParams.get('ack') === '1',
        resendsOwnOnly: url.searchParams.get('resend') === 'own',
        allow: () => {
          if (bucket.take()) return true;
          ws.close(CloseCode.RateLimited, `more than ${deps.limits.messagesPerSecond} messages a second`);
          return false;
        },
        onClose: release,
      });
      ws.off('message', buffer);
      for (const data of early) handleFrame(data);
      ws.on('message', handleFrame);
      return;
    }
    const peer: Peer = {
      id: nextId++,
      claims,
      wantsAck: url.searchParams.get('ack') === '1',
      resendsOwnOnly: url.searchParams.get('resend') === 'own',
      send: tickBatchedSend(ws, socket),
      close: (code, reason) => ws.close(code, fitReason(reason)),
    };
    let joined = false;
    ws.on('close', () => {
      release();
      if (joined) deps.hub.leave(peer, docName);
    });
    const handle = (data: RawData) => {
      if (!bucket.take()) {
        ws.close(CloseCode.RateLimited, `more than ${deps.limits.messagesPerSecond} messages a second`);
        return;
      }
      deps.hub.receive(peer, docName, toBytes(data));
    };
    joined = await deps.hub.join(peer, docName);
    ws.off('message', buffer);
    if (!joined) return;
    if (ws.readyState !== ws.OPEN) {
      // The client went away while the document was loading.
      deps.hub.leave(peer, docName);
      return;
    }
    for (const data of early) handle(data);
    ws.on('message', handle);
  };

  server.on('upgrade', onUpgrade);
  return {
    close: () => {
      server.off('upgrade', onUpgrade);
      for (const ws of [...wss.clients, ...readOnlyWss.clients]) ws.terminate();
      wss.close();
      readOnlyWss.close();
    },
  };
}
