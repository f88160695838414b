import { describe, expect, it } from 'vitest';
import { AdvertiseUrlError, clusterIdentity } from './cluster-identity.ts';

describe('clusterIdentity: owner id and advertised URL', () => {
  it('defaults the URL from host and port, and never gives the same owner id twice', () => {
    const a = clusterIdentity({ host: '10.0.0.11', port: 8787 });
    const b = clusterIdentity({ host: '10.0.0.11', port: 8787 });
    expect(a.url).toBe('http://10.0.0.11:8787');
    expect(a.owner).toMatch(/:8787:\d+:[0-9a-f]{12}$/);
    expect(a.owner).not.toBe(b.owner);
    expect(clusterIdentity({ host: '::1', port: 9000 }).url).toBe('http://[::1]:9000');
  });

  it('takes --advertise as given (scheme, host and port)', () => {
    expect(clusterIdentity({ host: '0.0.0.0', port: 8787, advertise: 'http://node-2.internal:8787' }).url).toBe('http://node-2.internal:8787');
    expect(clusterIdentity({ host: '0.0.0.0', port: 8787, advertise: 'https://node-2.internal/' }).url).toBe('https://node-2.internal');
  });

  it('refuses an address the other processes could not reach, naming the problem', () => {
    expect(() => clusterIdentity({ host: '0.0.0.0', port: 8787 })).toThrow(AdvertiseUrlError);
    expect(() => clusterIdentity({ host: '0.0.0.0', port: 8787 })).toThrow(/not 0\.0\.0\.0: give --advertise/);
    expect(() => clusterIdentity({ host: 'x', port: 1, advertise: 'node-2:8787' })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => clusterIdentity({ host: 'x', port: 1, advertise: 'not a url' })).toThrow(/must be a URL/);
    expect(() => clusterIdentity({ host: 'x', port: 1, advertise: 'http://n:1/api' })).toThrow(/scheme, host and port only/);
    expect(() => clusterIdentity({ host: 'x', port: 1, advertise: 'http://user:pw@n:1' })).toThrow(/scheme, host and port only/);
  });
});
