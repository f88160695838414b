import { ID_PATTERN } from '../../core/catalog/catalog.ts';
import { parseDocName } from '../../core/event/schema.ts';

/**
 * Which event a request is for, so that a cluster process can serve it (it owns the event) or forward it to
 * the owner (docs/operations.md, "Routing"). Every route of the server names its event one of four ways:
 *
 * | how | routes |
 * |---|---|
 * | in the path | `/sync/event/<id>/…` (WebSocket), `/api/events/<id>/…` (console, storefront, queue, alerts…) |
 * | by a server-wide record | `/r/<code>` (creator code), `/api/track/<id>` and `/t/<id>` (tracking link), `/sync-multi?token=` (the token's event) |
 * | in the JSON body | `POST /api/events` (`config.id`), `POST /api/admin/documents/rebuild[/finish]` (`doc`), `POST /api/pair` (`code`, then its record) |
 * | none | `/healthz`, `/metrics`, `/api/session`, `GET /api/events`, the till and example pages: served by whichever process is asked |
 *
 * A route answers what to find out; `ClusterFront` does the finding. Nothing here is trusted: a request that
 * names an event it has no right to reaches the owner, which checks the token as always. Routing only decides
 * where a request is judged, never whether it is allowed.
 */
export type LookupKind = 'creator-code' | 'tracking' | 'pairing-code' | 'token';

export type EventRoute =
  | { kind: 'event'; eventId: string }
  | { kind: 'lookup'; what: LookupKind; key: string }
  /** Read the (small, JSON) body first, then route by what `pick` finds in it. */
  | { kind: 'body'; pick: (json: unknown) => EventRoute }
  | { kind: 'none' };

/** Finds the event a server-wide record names (null when there is no such record). */
export type EventLookup = (what: LookupKind, key: string) => Promise<string | undefined>;

const NONE: EventRoute = { kind: 'none' };

/** The route of a request, from its method and target (`req.url`); a malformed target is `none` (the edge answers 400). */
export function routeOf(method: string, target: string): EventRoute {
  let url: URL;
  try {
    url = new URL(target, 'http://localhost');
  } catch {
    return NONE;
  }
  const segs = url.pathname.split('/').slice(1);
  const seg = (i: number): string | undefined => {
    const raw = segs[i];
    if (raw === undefined || raw === '') return undefined;
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  };
  const event = (id: string | undefined): EventRoute => (id !== undefined && ID_PATTERN.test(id) ? { kind: 'event', eventId: id } : NONE);
  const lookup = (what: LookupKind, key: string | undefined): EventRoute => (key ? { kind: 'lookup', what, key } : NONE);

  if (url.pathname.startsWith('/sync/')) return eventOfDoc(safeDecode(url.pathname.slice('/sync/'.length)));
  if (url.pathname === '/sync-multi') return lookup('token', url.searchParams.get('token') ?? undefined);
  if (segs[0] === 'api' && segs[1] === 'events') {
    if (segs.length >= 3) return event(seg(2));
    if (method === 'POST') return { kind: 'body', pick: (json) => event(stringAt(json, 'config', 'id')) };
    return NONE;
  }
  if (method === 'POST' && url.pathname === '/api/pair') return { kind: 'body', pick: (json) => lookup('pairing-code', stringAt(json, 'code')) };
  if (method === 'POST' && (url.pathname === '/api/admin/documents/rebuild' || url.pathname === '/api/admin/documents/rebuild/finish')) {
    return { kind: 'body', pick: (json) => eventOfDoc(stringAt(json, 'doc')) };
  }
  if (segs.length === 2 && segs[0] === 'r') return lookup('creator-code', seg(1));
  if (segs.length === 2 && segs[0] === 't') return lookup('tracking', seg(1));
  if (segs.length === 3 && segs[0] === 'api' && segs[1] === 'track') return lookup('tracking', seg(2));
  return NONE;
}

function eventOfDoc(doc: string | undefined): EventRoute {
  if (doc === undefined) return NONE;
  try {
    return { kind: 'event', eventId: parseDocName(doc).eventId };
  } catch {
    return NONE;
  }
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function stringAt(json: unknown, ...path: string[]): string | undefined {
  let at: unknown = json;
  for (const k of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[k];
  }
  return typeof at === 'string' ? at : undefined;
}
