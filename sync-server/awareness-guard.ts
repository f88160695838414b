import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Claims } from './auth.ts';
import { CloseCode } from './close-codes.ts';
import type { Limits } from './limits.ts';

/**
 * What a connection may say through awareness (presence: who is at which till or console). Awareness is
 * relayed to every peer on the document and replayed to every newcomer, so an unbounded state is multiplied
 * by the audience: 30 storefront connections each sending one 4 MiB state made the server relay 403 MB in
 * 9 s. Bounds: the message size, the client ids one connection speaks for, the message rate (the caller's
 * token bucket), and no awareness at all from a role with no presence to show.
 */
export type AwarenessLimits = Pick<Limits, 'awarenessBytes' | 'awarenessClientsPerConnection' | 'awarenessPerSecond'>;

export type AwarenessVerdict = { ok: true; update: Uint8Array; clientIds: number[] } | { ok: true; drop: true } | { ok: false; code: number; reason: string };

/**
 * Roles whose connections show presence. A storefront is a program reading stock: nobody looks at its
 * cursor. Stock y-websocket providers announce an empty state (`{}`) when they connect, so an empty or
 * removed state from a storefront is dropped quietly (it keeps interoperating); any content is refused.
 */
const PRESENCE_ROLES: ReadonlySet<Claims['role']> = new Set(['admin', 'organiser', 'till', 'hub']);

/**
 * `ownClients`: the ids this connection already speaks for; `othersClient(id)`: whether another connection on
 * the document speaks for `id`. Stock y-websocket providers echo every awareness change they receive, other
 * clients' included; those entries are left out (they are not this connection's to set, and counting them
 * would close every stock client once a few others are present). The verdict's `update` is what remains.
 */
export function checkAwareness(update: Uint8Array, claims: Claims, ownClients: ReadonlySet<number>, othersClient: (id: number) => boolean, limits: AwarenessLimits): AwarenessVerdict {
  if (update.length > limits.awarenessBytes) {
    return { ok: false, code: CloseCode.MessageTooBig, reason: `an awareness message may carry at most ${limits.awarenessBytes} bytes` };
  }
  const states = decodeStates(update);
  if (!PRESENCE_ROLES.has(claims.role)) {
    if (states.every((s) => s.state === 'null' || s.state === '{}')) return { ok: true, drop: true };
    return { ok: false, code: CloseCode.ReadOnly, reason: `a ${claims.role} connection has no presence to show; awareness is refused` };
  }
  const own = states.filter((s) => ownClients.has(s.clientId) || !othersClient(s.clientId));
  const ids = new Set(ownClients);
  for (const s of own) ids.add(s.clientId);
  if (ids.size > limits.awarenessClientsPerConnection) {
    return { ok: false, code: CloseCode.RateLimited, reason: `a connection may speak for at most ${limits.awarenessClientsPerConnection} awareness clients` };
  }
  return { ok: true, update: encodeStates(own), clientIds: own.map((s) => s.clientId) };
}

function encodeStates(states: readonly { clientId: number; clock: number; state: string }[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, states.length);
  for (const s of states) {
    encoding.writeVarUint(e, s.clientId);
    encoding.writeVarUint(e, s.clock);
    encoding.writeVarString(e, s.state);
  }
  return encoding.toUint8Array(e);
}

/** The y-protocols awareness update: a count, then per client its id, clock and state as JSON text. */
function decodeStates(update: Uint8Array): { clientId: number; clock: number; state: string }[] {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  const out: { clientId: number; clock: number; state: string }[] = [];
  for (let i = 0; i < n; i++) {
    const clientId = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    out.push({ clientId, clock, state: decoding.readVarString(d) });
  }
  return out;
}
