import { ValidationError } from '../base/errors.ts';

/**
 * One e-mail address a receipt may be sent to. Stricter than RFC 5322 on purpose: the server hands the
 * address to an SMTP relay, so anything that could name a second recipient (a comma, a group, a display
 * name in angle brackets), break a header (CR/LF) or smuggle a route is refused, not "cleaned".
 */
export class InvalidEmailAddressError extends ValidationError {
  constructor(message: string) {
    super('to', message);
  }
}

/** RFC 5321's limit on a forward path. */
export const MAX_EMAIL_LENGTH = 254;

// Local part: dot-separated runs of RFC 5322 "atext" (no quoted strings). Domain: DNS labels, at least two.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The address, trimmed; throws InvalidEmailAddressError naming what is wrong. */
export function parseEmailAddress(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidEmailAddressError('an e-mail address is required');
  const address = raw.trim();
  if (address === '') throw new InvalidEmailAddressError('an e-mail address is required');
  if (address.length > MAX_EMAIL_LENGTH) throw new InvalidEmailAddressError(`an e-mail address is at most ${MAX_EMAIL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
  if (/[\s\u0000-\u001f\u007f,;<>"()[\]\\]/.test(address)) throw new InvalidEmailAddressError(`"${printable(address)}" is not one e-mail address (spaces, commas, quotes and brackets are not allowed)`);
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.indexOf('@') !== at) throw new InvalidEmailAddressError(`"${printable(address)}" is not an e-mail address (it needs exactly one @)`);
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) throw new InvalidEmailAddressError(`"${printable(address)}" is not an e-mail address (the part before @ is not valid)`);
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1]!)) {
    throw new InvalidEmailAddressError(`"${printable(address)}" is not an e-mail address (the domain after @ is not valid)`);
  }
  return address;
}

/** Echoes the input in an error without its control characters (an error message may reach a log). */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- see above
  return s.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 80);
}
