import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * The addresses other tills can reach this computer on. Private IPv4 ranges first (a venue's Wi-Fi or a
 * travel router), then any other non-internal IPv4; loopback last, so a hub on a laptop with no network
 * yet still shows an address that works on the laptop itself.
 */
export function lanAddresses(host: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const found: string[] = [];
  for (const list of Object.values(interfaces)) for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) found.push(i.address);
  const rank = (a: string) => (isPrivate(a) ? 0 : a.startsWith('169.254.') ? 2 : 1);
  return [...new Set(found)].sort((a, b) => rank(a) - rank(b)).concat('127.0.0.1');
}

export function isPrivate(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return a === 10 || (a === 192 && b === 168) || (a === 172 && b !== undefined && b >= 16 && b <= 31);
}
