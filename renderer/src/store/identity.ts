import { HybridClock } from '../../../core/base/hlc.ts';
import { newDeviceId, newYjsClientId } from '../../../core/base/ids.ts';
import type { Clock, RandomSource } from '../../../core/base/platform.ts';
import type { PosDatabase } from './db.ts';

/**
 * This device's identity as the till's database knows it. The Yjs client id lives in the same database as
 * the document state it wrote, so both are lost together or kept together: a fresh database always gets a
 * fresh client id, and a client id is never reused over state it does not remember.
 */
export interface DeviceIdentity {
  deviceId: string;
  yClientId: number;
}

export async function loadIdentity(db: PosDatabase, random: RandomSource, platformDeviceId?: string): Promise<DeviceIdentity> {
  return db.transaction('rw', db.meta, async () => {
    const row = await db.meta.get('identity');
    if (row) {
      const id = row.value as DeviceIdentity;
      if (platformDeviceId && platformDeviceId !== id.deviceId) {
        throw new Error(`this database belongs to device ${id.deviceId}, not ${platformDeviceId}`);
      }
      return id;
    }
    const id: DeviceIdentity = { deviceId: platformDeviceId ?? newDeviceId(random), yClientId: newYjsClientId(random) };
    await db.meta.put({ key: 'identity', value: id });
    return id;
  });
}

/** The hybrid clock, continuing after the last timestamp this device persisted. */
export async function loadClock(db: PosDatabase, deviceId: string, clock: Clock): Promise<HybridClock> {
  const row = await db.meta.get('hlc');
  return new HybridClock(deviceId, clock, undefined, typeof row?.value === 'string' ? row.value : undefined);
}
