import type { RawData, WebSocket } from 'ws';
import type { Claims } from './auth.ts';
import { CloseCode } from './close-codes.ts';
import type { DocHub, Peer } from './doc-hub.ts';
import { decodeMuxFrame, docClosedMessage, muxFrame } from './protocol.ts';
import { fitReason, toBytes } from './ws-frames.ts';

/**
 * One WebSocket, many documents (`/sync-multi?token=…`): the organiser console follows an event's setup,
 * every brand and every till over one connection instead of one each (about 100 for 50 brands). Each frame
 * is a document name and one ordinary protocol message (core/base/wire.ts); a document is joined by the
 * first frame that names it. The hub sees one `Peer` per document, exactly as on `/sync/<doc>`, so every rule
 * (access, the guard, acknowledgements) is the same; a refusal closes that document only (message 102), not
 * the connection, unless the code ends the connection for every document (a revoked or expired token).
 */
export const MAX_DOCS_PER_CONNECTION = 1024;

/** Close codes that end the whole connection: they are about the token, not one document. */
const CONNECTION_WIDE = new Set<number>([CloseCode.TokenRevoked, CloseCode.TokenExpired, CloseCode.RateLimited, CloseCode.ProtocolError]);

interface Joined {
  peer: Peer;
  /** Frames that arrived while the document was being opened, in order; undefined once joined. */
  early: Uint8Array[] | undefined;
  left: boolean;
}

export function serveMultiplexed(
  ws: WebSocket,
  /** Sends one frame on the connection (ws-frames.ts tickBatchedSend). */
  sendFrame: (frame: Uint8Array) => void,
  deps: {
    hub: DocHub;
    claims: Claims;
    nextId: () => number;
    wantsAck: boolean;
    resendsOwnOnly: boolean;
    /** Takes one message from the connection's budget; false when it is spent (the caller closes). */
    allow: () => boolean;
    onClose: () => void;
  },
): (data: RawData) => void {
  const docs = new Map<string, Joined>();
  const send = (docName: string, m: Uint8Array) => {
    if (ws.readyState === ws.OPEN) sendFrame(muxFrame(docName, m));
  };
  const leave = (docName: string, j: Joined) => {
    if (j.left) return;
    j.left = true;
    docs.delete(docName);
    deps.hub.leave(j.peer, docName);
  };
  ws.on('close', () => {
    for (const [name, j] of docs) leave(name, j);
    deps.onClose();
  });

  const open = (docName: string): Joined => {
    const j: Joined = {
      early: [],
      left: false,
      peer: {
        id: deps.nextId(),
        claims: deps.claims,
        wantsAck: deps.wantsAck,
        resendsOwnOnly: deps.resendsOwnOnly,
        send: (m) => send(docName, m),
        close: (code, reason) => {
          if (CONNECTION_WIDE.has(code)) {
            ws.close(code, fitReason(reason));
            return;
          }
          send(docName, docClosedMessage(code, reason));
          leave(docName, j);
        },
      },
    };
    docs.set(docName, j);
    void deps.hub.join(j.peer, docName).then(
      (ok) => {
        const early = j.early ?? [];
        j.early = undefined;
        if (!ok || j.left) {
          // Refused: the hub closed the peer (message 102 went out); forget it, so a later frame may retry.
          j.left = true;
          if (docs.get(docName) === j) docs.delete(docName);
          return;
        }
        if (ws.readyState !== ws.OPEN) {
          leave(docName, j);
          return;
        }
        for (const m of early) deps.hub.receive(j.peer, docName, m);
      },
      () => j.peer.close(CloseCode.InternalError, `${docName} could not be opened`),
    );
    return j;
  };

  return (data: RawData) => {
    if (!deps.allow()) return;
    let frame: { docName: string; message: Uint8Array };
    try {
      frame = decodeMuxFrame(toBytes(data));
    } catch {
      ws.close(CloseCode.ProtocolError, 'a multiplexed frame starts with a document name');
      return;
    }
    let j = docs.get(frame.docName);
    if (!j) {
      if (docs.size >= MAX_DOCS_PER_CONNECTION) {
        send(frame.docName, docClosedMessage(CloseCode.RateLimited, `at most ${MAX_DOCS_PER_CONNECTION} documents on one connection`));
        return;
      }
      j = open(frame.docName);
    }
    if (j.early) j.early.push(frame.message);
    else deps.hub.receive(j.peer, frame.docName, frame.message);
  };
}
