import { ValidationError } from '../base/errors.ts';

/**
 * A holder owns stock rights (Balegas et al., "Extending Eventually Consistent Cloud Databases for
 * Enforcing Numeric Invariants", SRDS 2015): every sellable unit is held by exactly one holder, and only the
 * holder's own writer may spend it. Holder ids are strings with a kind prefix:
 *   reserve          the central reserve (written by the server)
 *   online           the online channel (written by the server on behalf of the storefront)
 *   hub:<location>   a micro-hub or pick-up point (written by the server)
 *   till:<till>      a till (written by that till's device)
 */
export type HolderId = string;
export type HolderKind = 'reserve' | 'online' | 'hub' | 'till';

const HOLDER_PATTERN = /^(reserve|online|hub:[a-z0-9][a-z0-9-]{0,47}|till:[a-z0-9][a-z0-9-]{0,47})$/;

export function isHolderId(s: unknown): s is HolderId {
  return typeof s === 'string' && HOLDER_PATTERN.test(s);
}

export function holderKind(h: HolderId): HolderKind {
  if (!isHolderId(h)) throw new ValidationError('holder', `"${h}" is not a holder id`);
  const colon = h.indexOf(':');
  return (colon < 0 ? h : h.slice(0, colon)) as HolderKind;
}

export const tillHolder = (tillId: string): HolderId => `till:${tillId}`;
export const hubHolder = (locationId: string): HolderId => `hub:${locationId}`;
export const RESERVE: HolderId = 'reserve';
export const ONLINE: HolderId = 'online';

/** The device id the server writes under: it is the single writer of the reserve, hubs and online channel. */
export const SERVER_WRITER = 'SERVER000000';

/**
 * Who may write for a holder. Exactly one writer per holder is what makes the local rights check sufficient:
 * only that writer ever lowers the holder's balance, so its local view of its own spending is complete.
 */
export type OwnerOf = (holder: HolderId) => string | undefined;
