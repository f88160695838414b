import type { DocRef } from '../core/schema.ts';
import type { Claims } from './auth.ts';

/**
 * Who may open which document, and whether they may change it. Enforced here, on the server: the UI
 * hides what a role cannot do, but only this decides.
 *
 * | role       | setup doc of its event | brand docs of its event                   |
 * |------------|------------------------|-------------------------------------------|
 * | admin      | write                  | write                                     |
 * | organiser  | write                  | read (stock moves go through the HTTP API) |
 * | till       | read                   | write its own brands, none of the others  |
 * | storefront | read                   | read (orders go through the HTTP API)     |
 * | hub        | write (tills only)     | write (entries of the event's tills only) |
 *
 * A write is still checked entry by entry (update-guard.ts): a till may only append what it wrote itself; a
 * hub may only relay what the event's paired tills wrote and the tills it paired.
 */
export type Access = 'none' | 'read' | 'write';

export function docAccess(claims: Claims, ref: DocRef): Access {
  if (claims.role === 'admin') return 'write';
  if (claims.eventId !== ref.eventId) return 'none';
  switch (claims.role) {
    case 'organiser':
      return ref.kind === 'setup' ? 'write' : 'read';
    case 'till':
      if (ref.kind === 'setup') return 'read';
      return claims.brandIds?.includes(ref.brandId) ? 'write' : 'none';
    case 'storefront':
      return 'read';
    case 'hub':
      return 'write';
  }
}
