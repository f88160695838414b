import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterFront } from './cluster-front.ts';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Puts the cluster front before everything `server` already answers: its request and upgrade listeners
 * (the router, static files, the WebSocket transport) now run only for requests this process serves; the
 * rest are forwarded or refused by `front`. Call it once the server's own listeners are attached. So the
 * server's edge needs no change to run in a cluster, and a single process (no leases) never calls it.
 */
export function putFrontBefore(server: Server, front: ClusterFront, onError: (err: unknown) => void): void {
  const requests = server.listeners('request') as RequestListener[];
  const upgrades = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    front
      .request(req, res, () => {
        for (const l of requests) l.call(server, req, res);
      })
      .catch((err: unknown) => {
        onError(err);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ type: 'InternalError', message: String(err) }));
        } else res.destroy();
      });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node takes its own error listener off an upgraded socket; until the WebSocket server or a forward
    // takes it (after a lease lookup, or while a stalled owner does not answer), a client's reset would be an
    // unhandled 'error' and end the process (found by the chaos suite's cluster run).
    socket.on('error', () => socket.destroy());
    front
      .upgrade(req, socket, head, () => {
        for (const l of upgrades) l.call(server, req, socket, head);
      })
      .catch((err: unknown) => {
        onError(err);
        socket.destroy();
      });
  });
}
