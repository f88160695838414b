import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { PopupError } from '../../core/base/errors.ts';

/**
 * Where the alert webhook may send. The organiser names the URL and the server POSTs to it, so without a
 * check an organiser token could make the server talk to what only the server can reach: its own loopback
 * (an admin port, a database), the cloud's metadata service (169.254.169.254), the venue's private network.
 * Refused: loopback, unspecified, link-local, private (RFC 1918, unique-local fc00::/7), carrier-grade NAT,
 * benchmarking, multicast and reserved ranges, in IPv4 and IPv6 — including IPv4 written inside IPv6
 * (`::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`). A name is judged by what it RESOLVES to, at configuration and
 * again at every send, on the very address the connection uses (the socket's own lookup), so a name that
 * resolves to a public address when configured and to 127.0.0.1 later (DNS rebinding) is still refused.
 * An operator whose receiver is on the private network allows it with `--allow-private-webhooks`.
 */
export class WebhookTargetError extends PopupError {}

/** [first address, prefix length] of every IPv4 range refused. */
const V4_BLOCKED: [number[], number][] = [
  [[0, 0, 0, 0], 8], // "this" network, unspecified
  [[10, 0, 0, 0], 8],
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8],
  [[169, 254, 0, 0], 16], // link-local, cloud metadata
  [[172, 16, 0, 0], 12],
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 168, 0, 0], 16],
  [[198, 18, 0, 0], 15], // benchmarking
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, broadcast
];

function v4Bytes(ip: string): number[] | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function inPrefix(bytes: readonly number[], base: readonly number[], bits: number): boolean {
  for (let i = 0; i < base.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) return true;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address (with `::` and a dotted IPv4 tail), or undefined if it is not one. */
function v6Bytes(ip: string): number[] | undefined {
  const text = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let head = text;
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = v4Bytes(dotted[1]!);
    if (!v4) return undefined;
    tail = v4;
    head = text.slice(0, -dotted[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':'));
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const want = 8 - tail.length / 2;
  const missing = want - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return [...groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]), ...tail];
}

/** Whether an IP address (v4 or v6 text) is one the webhook may not reach without the operator's leave. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = v4Bytes(ip);
  if (v4) return V4_BLOCKED.some(([base, bits]) => inPrefix(v4, base, bits));
  const b = v6Bytes(ip);
  if (!b) return true; // not an address we can judge: refuse rather than guess
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // IPv4 inside IPv6: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d — judge the IPv4.
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return isPrivateAddress(b.slice(12).join('.'));
  if (zero(0, 12)) return zero(12, 15) ? b[15]! <= 1 : isPrivateAddress(b.slice(12).join('.')); // ::, ::1, ::a.b.c.d
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return isPrivateAddress(b.slice(12).join('.'));
  if ((b[0]! & 0xfe) === 0xfc) return true; // unique local fc00::/7
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return true; // link-local fe80::/10
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return true; // site-local fec0::/10 (deprecated, still private)
  if (b[0] === 0xff) return true; // multicast
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return true; // documentation 2001:db8::/32
  return false;
}

type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookupAll: LookupAll = (host) =>
  new Promise((resolve, reject) => lookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * Checks a webhook URL's host before it is stored: an IP literal by itself, a name by every address it
 * resolves to now. Throws WebhookTargetError naming the problem.
 */
export async function checkWebhookTarget(url: URL, opts: { allowPrivate: boolean; lookupAll?: LookupAll }): Promise<void> {
  if (opts.allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw new WebhookTargetError(`the webhook's address ${host} is loopback, link-local or private: the server does not send there (an operator may allow it with --allow-private-webhooks)`);
    return;
  }
  let addresses: { address: string }[];
  try {
    addresses = await (opts.lookupAll ?? systemLookupAll)(host);
  } catch (err) {
    throw new WebhookTargetError(`the webhook's host "${host}" does not resolve (${err instanceof Error ? err.message : String(err)})`);
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw new WebhookTargetError(`the webhook's host "${host}" resolves to ${bad.address}, which is loopback, link-local or private: the server does not send there (an operator may allow it with --allow-private-webhooks)`);
}

/**
 * A `lookup` for node:http(s) that refuses a private address: the check runs on the address the socket is
 * about to connect to, so a DNS answer that changed since configuration (rebinding) cannot slip through.
 */
export function guardedLookup(allowPrivate: boolean): typeof lookup {
  const guarded = (hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void) => {
    lookup(hostname, { ...(options as object), all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new WebhookTargetError(`"${hostname}" now resolves to ${bad.address}, which is loopback, link-local or private: not sent`), { code: 'EPRIVATE' }), '');
      if ((options as { all?: boolean } | undefined)?.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
  return guarded as unknown as typeof lookup;
}
