import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who this process is in a cluster: its owner id (written in the lease rows it holds) and the URL the
 * other processes forward its events to (`--advertise`).
 *
 * The owner id is unique to one run of one process (host name, port, process id and a random part): the
 * same owner re-acquiring a lease keeps its epoch (storage/pg-leases.ts), so a restarted process that reused
 * its predecessor's id would inherit that epoch and its predecessor's in-flight writes would not be fenced.
 */
export interface ClusterIdentity {
  owner: string;
  url: string;
}

/** `--advertise` (or its default) is not a URL the other processes could reach: the message names why. */
export class AdvertiseUrlError extends Error {
  override readonly name = 'AdvertiseUrlError';
}

/**
 * `advertise`: the flag as given, or undefined for `http://<host>:<port>` (the port the server actually
 * listens on, so call this after listening when the port was 0).
 */
export function clusterIdentity(opts: { host: string; port: number; advertise?: string | undefined }): ClusterIdentity {
  const url = opts.advertise ?? defaultUrl(opts.host, opts.port);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AdvertiseUrlError(`--advertise must be a URL like http://10.0.0.11:8787, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AdvertiseUrlError(`--advertise must be an http:// or https:// URL, got "${url}"`);
  if (parsed.username || parsed.password || parsed.search || parsed.hash || (parsed.pathname !== '/' && parsed.pathname !== '')) {
    throw new AdvertiseUrlError(`--advertise is a scheme, host and port only (requests keep their own paths), got "${url}"`);
  }
  if (isWildcard(parsed.hostname)) {
    throw new AdvertiseUrlError(`--advertise must name an address the other processes can reach, not ${parsed.hostname}: give --advertise http://<this machine's address>:${opts.port}`);
  }
  return { owner: `${hostname()}:${opts.port}:${process.pid}:${randomBytes(6).toString('hex')}`, url: parsed.origin };
}

function defaultUrl(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

function isWildcard(hostname: string): boolean {
  return hostname === '0.0.0.0' || hostname === '[::]' || hostname === '::';
}
