import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDeviceId } from '../core/base/ids.ts';
import { DeviceIdentityError, loadDeviceIdentity } from './device-identity.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'popup-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('device identity', () => {
  it('is made once, kept private to the user, and the same on every later start', async () => {
    const first = await loadDeviceIdentity(join(dir, 'userData'));
    expect(isDeviceId(first.deviceId)).toBe(true);
    const again = await loadDeviceIdentity(join(dir, 'userData'));
    expect(again).toEqual(first);
    expect((await stat(join(dir, 'userData', 'device.json'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, 'userData', 'device.json'), 'utf8')).deviceId).toBe(first.deviceId);
  });

  it('refuses a damaged identity file instead of silently becoming another device', async () => {
    await writeFile(join(dir, 'device.json'), '{"deviceId": "nope"');
    await expect(loadDeviceIdentity(dir)).rejects.toThrow(DeviceIdentityError);
    await writeFile(join(dir, 'device.json'), JSON.stringify({ deviceId: 'lowercase-bad', name: 'x', createdAt: 'y' }));
    await expect(loadDeviceIdentity(dir)).rejects.toThrow(/does not hold a device identity/);
  });
});
