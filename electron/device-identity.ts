import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PopupError } from '../core/base/errors.ts';
import { isDeviceId, newDeviceId } from '../core/base/ids.ts';
import type { RandomSource } from '../core/base/platform.ts';

/**
 * The desktop till's identity, kept in Electron's user-data folder (outside the browser storage, so it
 * survives a cleared cache). The device id names the writer of this till's stock rights: a till that
 * silently took a new id would no longer own its rights, so a damaged file is an error, not a reset.
 */
export interface DeviceIdentityFile {
  deviceId: string;
  name: string;
  createdAt: string;
}

export class DeviceIdentityError extends PopupError {}

const FILE = 'device.json';
const nodeRandom: RandomSource = { bytes: (n) => new Uint8Array(randomBytes(n)) };

export async function loadDeviceIdentity(userDataDir: string, random: RandomSource = nodeRandom): Promise<DeviceIdentityFile> {
  const path = join(userDataDir, FILE);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) return parse(text, path);
  const identity: DeviceIdentityFile = { deviceId: newDeviceId(random), name: hostname().slice(0, 60) || 'till', createdAt: new Date().toISOString() };
  await mkdir(userDataDir, { recursive: true });
  // Write then rename: a crash mid-write leaves either no file or the whole file, never half of one.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(identity, null, 2), { mode: 0o600 });
  await rename(tmp, path);
  return identity;
}

function parse(text: string, path: string): DeviceIdentityFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DeviceIdentityError(`${path} is not valid JSON: restore it from a backup or re-pair this till`);
  }
  const o = raw as Partial<DeviceIdentityFile> | null;
  if (!o || typeof o.deviceId !== 'string' || !isDeviceId(o.deviceId) || typeof o.name !== 'string' || typeof o.createdAt !== 'string') {
    throw new DeviceIdentityError(`${path} does not hold a device identity: restore it from a backup or re-pair this till`);
  }
  return { deviceId: o.deviceId, name: o.name, createdAt: o.createdAt };
}
