import { HttpError, type Router } from './router.ts';

/**
 * `GET /api/session`: what the presented token may do — its role and, for every role but admin, its event.
 * The organiser console asks once at sign-in to know which screens to show; the server still checks each
 * request on its own.
 */
export function sessionRoutes(router: Router): void {
  router.on('GET', '/api/session', (ctx) => {
    const c = ctx.claims;
    if (!c) throw new HttpError(401, 'a bearer token is required');
    return { status: 200, body: { role: c.role, label: c.label, ...(c.eventId ? { eventId: c.eventId } : {}), ...(c.tillId ? { tillId: c.tillId, locationId: c.locationId } : {}) } };
  });
}
