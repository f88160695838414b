import { PopupError } from '../core/base/errors.ts';
import type { Till } from '../core/event/event.ts';
import { SERVER_WRITER } from '../core/ledger/holders.ts';
import type { Stores } from './storage/store.ts';

/**
 * Every device ever paired in an event, kept in the event's records (`devices`, keyed by device id) and
 * never deleted: a device's id is its writer identity in the ledger, so the server must refuse to hand an id
 * that already wrote (or could have written) for one holder to anyone else. A retired device (its till was
 * paired with another device) keeps its record, so its id is never reused either.
 */
export interface DeviceRecord {
  deviceId: string;
  tillId: string;
  pairedAt: number;
  /** When the till was paired with another device and this one lost its rights. */
  retiredAt?: number;
}

/** The server's own writer id (`SERVER000000`): the writer of the reserve, the hubs and the online channel. */
export class ReservedDeviceIdError extends PopupError {}

/** The device id is (or was) another device's identity in this event. */
export class DeviceIdInUseError extends PopupError {}

const NS = 'devices';

export class DeviceRegistry {
  constructor(private readonly stores: Stores) {}

  /**
   * Throws unless `deviceId` may become a new till's writer in the event: not the server's own id, not one
   * the registry has seen, not one the setup document names (tills paired before the registry existed, or
   * paired by a LAN hub and relayed here).
   */
  async checkUnused(eventId: string, deviceId: string, tills: readonly Till[]): Promise<void> {
    if (deviceId === SERVER_WRITER) throw new ReservedDeviceIdError(`${deviceId} is the server's own writer id: a till cannot pair as it`);
    const known = await this.stores.event(eventId).get<DeviceRecord>(NS, deviceId);
    if (known) {
      const state = known.retiredAt !== undefined ? 'was retired from' : 'is paired as';
      throw new DeviceIdInUseError(`device ${deviceId} ${state} ${known.tillId} in ${eventId}: a device id is used once per event`);
    }
    const till = tills.find((t) => t.deviceId === deviceId);
    if (till) throw new DeviceIdInUseError(`device ${deviceId} is paired as ${till.id} in ${eventId}: a device id is used once per event`);
  }

  async record(eventId: string, deviceId: string, tillId: string, at: number): Promise<void> {
    await this.stores.event(eventId).put(NS, deviceId, { deviceId, tillId, pairedAt: at } satisfies DeviceRecord);
  }

  /** Marks the device retired (kept, so its id stays refused); records it if it paired before the registry. */
  async retire(eventId: string, deviceId: string, tillId: string, at: number): Promise<void> {
    const known = await this.stores.event(eventId).get<DeviceRecord>(NS, deviceId);
    await this.stores.event(eventId).put(NS, deviceId, { ...(known ?? { deviceId, tillId, pairedAt: at }), retiredAt: at } satisfies DeviceRecord);
  }

  async list(eventId: string): Promise<DeviceRecord[]> {
    return (await this.stores.event(eventId).list<DeviceRecord>(NS)).map(([, r]) => r);
  }
}
