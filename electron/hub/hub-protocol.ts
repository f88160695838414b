import type { BridgeStatus, UpstreamConfig } from './upstream-bridge.ts';

/**
 * Messages between the till's main process and the LAN hub's utility process. Requests carry an id; each
 * gets exactly one reply with that id. Errors cross as tagged `{ type, message }` objects (never thrown
 * objects, which do not survive structured cloning). The child also sends unsolicited log lines.
 */
export interface HubStartOptions {
  /** Interface to listen on. Default 0.0.0.0: every network this computer is on (the venue's LAN). */
  host?: string;
  /** Default 8787; 0 picks a free port (tests). */
  port?: number;
  /** Where the hub keeps its LevelDB store: the till's user-data folder, `hub/`. */
  dataDir: string;
  /** The built till, served at `/` so a tablet with only a browser can be a till too. */
  appDir?: string;
  /** Seed the demo mall when the hub holds no event yet (trying the product out). Default false. */
  demo?: boolean;
  /**
   * Relay to the event's upstream server (upstream-bridge.ts): the upstream stays the event's authority and
   * this hub forwards both ways whenever it can reach it. Absent: the hub is the event's only server.
   */
  upstream?: UpstreamConfig;
  /** The hub's tag for the tills it pairs while relaying (`H` + three of its device id's characters). */
  relayTag?: string;
}

export interface HubEvent {
  id: string;
  name: string;
  locations: { id: string; name: string; kind: string }[];
  brands: { id: string; name: string }[];
}

export interface HubStatus {
  running: boolean;
  /** The address other tills type (or scan) to pair: the first LAN address, else the listening one. */
  url?: string;
  /** Every address the hub answers on. */
  urls: string[];
  port?: number;
  events: HubEvent[];
  /** The hub's admin token: an organiser sets up events on it through the HTTP API (docs/api.md). */
  adminToken?: string;
  /** Why the hub is not running, after it stopped on its own. */
  problem?: string;
  /** When relaying: the upstream server and how the forwarding goes. */
  upstream?: BridgeStatus & { url: string; eventId: string };
  /** The hub's tag: the organiser names it when issuing the hub token, which then writes only this hub's tills. */
  relayTag?: string;
}

export interface HubPairingRequest {
  eventId: string;
  name: string;
  locationId: string;
  brandIds: string[];
}

export interface HubPairingCode {
  code: string;
  expiresAt: number;
  tillId: string;
  /** The hub's address, to type or scan next to the code. */
  url: string;
}

export type HubRequest =
  | { id: number; type: 'start'; options: HubStartOptions }
  | { id: number; type: 'stop' }
  | { id: number; type: 'status' }
  | { id: number; type: 'pairing-code'; request: HubPairingRequest };

export type TaggedError = { type: string; message: string };

export type HubReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: TaggedError };

export type HubLog = { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

export type HubMessage = HubReply | HubLog;

export function isHubRequest(m: unknown): m is HubRequest {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as { id?: unknown; type?: unknown };
  return Number.isInteger(o.id) && (o.type === 'start' || o.type === 'stop' || o.type === 'status' || o.type === 'pairing-code');
}

export function isHubMessage(m: unknown): m is HubMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as { id?: unknown; type?: unknown; ok?: unknown };
  return o.type === 'log' || (Number.isInteger(o.id) && typeof o.ok === 'boolean');
}
