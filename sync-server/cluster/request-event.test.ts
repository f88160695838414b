import { describe, expect, it } from 'vitest';
import { routeOf, type EventRoute } from './request-event.ts';

const picked = (r: EventRoute, json: unknown): EventRoute => {
  if (r.kind !== 'body') throw new Error(`expected a body route, got ${r.kind}`);
  return r.pick(json);
};

describe('routeOf: which event a request names', () => {
  it('finds the event in the path of the sync and API routes', () => {
    expect(routeOf('GET', '/sync/event%2Fmall-1%2Fbrand%2Fb1?token=x&ack=1')).toEqual({ kind: 'event', eventId: 'mall-1' });
    expect(routeOf('GET', '/sync/event/mall-1/setup?token=x')).toEqual({ kind: 'event', eventId: 'mall-1' });
    expect(routeOf('GET', '/api/events/mall-1/stock/stream')).toEqual({ kind: 'event', eventId: 'mall-1' });
    expect(routeOf('POST', '/api/events/mall-1/orders')).toEqual({ kind: 'event', eventId: 'mall-1' });
    expect(routeOf('PATCH', '/api/events/mall-1')).toEqual({ kind: 'event', eventId: 'mall-1' });
    expect(routeOf('POST', '/api/events/mall-1/queue/tickets')).toEqual({ kind: 'event', eventId: 'mall-1' });
  });

  it('asks a lookup for routes that name a server-wide record', () => {
    expect(routeOf('GET', '/sync-multi?token=tok')).toEqual({ kind: 'lookup', what: 'token', key: 'tok' });
    expect(routeOf('GET', '/r/ANNA10')).toEqual({ kind: 'lookup', what: 'creator-code', key: 'ANNA10' });
    expect(routeOf('GET', '/t/trk_1')).toEqual({ kind: 'lookup', what: 'tracking', key: 'trk_1' });
    expect(routeOf('GET', '/api/track/trk_1')).toEqual({ kind: 'lookup', what: 'tracking', key: 'trk_1' });
  });

  it('reads the event from the body of the routes that carry it there', () => {
    expect(picked(routeOf('POST', '/api/events'), { config: { id: 'mall-2' } })).toEqual({ kind: 'event', eventId: 'mall-2' });
    expect(picked(routeOf('POST', '/api/pair'), { code: 'ABCD-1234', deviceId: 'd' })).toEqual({ kind: 'lookup', what: 'pairing-code', key: 'ABCD-1234' });
    expect(picked(routeOf('POST', '/api/admin/documents/rebuild'), { doc: 'event/mall-3/brand/b1' })).toEqual({ kind: 'event', eventId: 'mall-3' });
    expect(picked(routeOf('POST', '/api/admin/documents/rebuild/finish'), { doc: 'event/mall-3/setup' })).toEqual({ kind: 'event', eventId: 'mall-3' });
  });

  it('names no event for server-wide routes and for malformed names (the server answers those itself)', () => {
    for (const [m, t] of [
      ['GET', '/healthz'],
      ['GET', '/metrics'],
      ['GET', '/api/session'],
      ['GET', '/api/events'],
      ['GET', '/'],
      ['GET', '/sync/not-a-doc'],
      ['GET', '/sync/%E0%A4%A'],
      ['GET', '/api/events/Bad_Id/stock'],
      ['GET', '/api/events/%zz/stock'],
      ['GET', '/sync-multi'],
      ['GET', 'http://[bad'],
    ] as const) {
      expect(routeOf(m, t), `${m} ${t}`).toEqual({ kind: 'none' });
    }
    expect(picked(routeOf('POST', '/api/events'), 'not an object')).toEqual({ kind: 'none' });
    expect(picked(routeOf('POST', '/api/events'), { config: { id: '../x' } })).toEqual({ kind: 'none' });
    expect(picked(routeOf('POST', '/api/pair'), { code: 12 })).toEqual({ kind: 'none' });
  });
});
