import type { DocRef } from '../core/event/schema.ts';
import type { Claims } from './auth.ts';

/**
 * Who may open which document, and whether they may change it. Enforced here, on the server: the UI
 * hides what a role cannot do, but only this decides.
 *
 * | role       | setup doc of its event | brand docs of its event                   | till docs of its event          |
 * |------------|------------------------|-------------------------------------------|---------------------------------|
 * | admin      | write                  | write                                     | read                            |
 * | organiser  | write                  | read (stock moves go through the HTTP API) | read                            |
 * | till       | read                   | write its own brands, none of the others  | write its own, none of the others |
 * | storefront | none (staff PIN hashes) | read (orders go through the HTTP API)    | none (cash and voids are private) |
 * | hub        | write (its tills only) | write (entries of the event's tills only) | write (records of that till's device only) |
 *
 * A write is still checked entry by entry (update-guard.ts): a till may only append what it wrote itself; a
 * hub may only relay what the event's paired tills wrote and the tills it paired; what each role may add,
 * change or delete in the setup document is setup-rules.ts. The setup document holds the staff's PIN hashes,
 * so only the roles that sign staff in open it: a storefront token lives in a browser, and everything a
 * storefront shows (stock, policies, the drop) comes through the HTTP API. A till document is
 * written by its till's device alone (directly, or relayed by a hub), so not even the admin writes it.
 */
export type Access = 'none' | 'read' | 'write';

export function docAccess(claims: Claims, ref: DocRef): Access {
  if (ref.kind === 'till') return tillDocAccess(claims, ref);
  if (claims.role === 'admin') return 'write';
  if (claims.eventId !== ref.eventId) return 'none';
  switch (claims.role) {
    case 'organiser':
      return ref.kind === 'setup' ? 'write' : 'read';
    case 'till':
      if (ref.kind === 'setup') return 'read';
      return claims.brandIds?.includes(ref.brandId) ? 'write' : 'none';
    case 'storefront':
      return ref.kind === 'setup' ? 'none' : 'read';
    case 'hub':
      return 'write';
  }
}

function tillDocAccess(claims: Claims, ref: { eventId: string; tillId: string }): Access {
  if (claims.role === 'admin') return 'read';
  if (claims.eventId !== ref.eventId) return 'none';
  switch (claims.role) {
    case 'organiser':
      return 'read';
    case 'till':
      return claims.tillId === ref.tillId ? 'write' : 'none';
    case 'storefront':
      return 'none';
    case 'hub':
      return 'write';
  }
}

/**
 * Who may see and advance the online orders routed to a location: the event's organiser, and a till paired
 * at that location (hub staff fulfil from their till). A till of another location, a storefront, or another
 * event's token may not.
 */
export function mayFulfilAt(claims: Claims, eventId: string, locationId: string): boolean {
  if (claims.role === 'admin') return true;
  if (claims.eventId !== eventId) return false;
  if (claims.role === 'organiser') return true;
  return claims.role === 'till' && claims.locationId === locationId;
}
