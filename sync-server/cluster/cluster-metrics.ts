/**
 * What a cluster process counts about its leases and forwards, served with the other metrics at /metrics
 * (docs/operations.md, "Reading /metrics in a cluster"). Kept apart from metrics.ts so that a single-process
 * server, which has neither, shows none of these lines.
 */
export type ForwardKind = 'http' | 'websocket';
/** Why a request that should have been forwarded was answered 503 instead. */
export type ForwardFailure = 'unreachable' | 'loop' | 'lease-unknown' | 'not-authenticated';
/** Why this process stopped owning an event it held. */
export type LeaseDrop = 'renewal-refused' | 'renewal-timeout' | 'write-fenced' | 'released';

export class ClusterMetrics {
  /** Events this process holds the lease of right now (set by event-ownership.ts). */
  leasesHeld = 0;
  /** Leases taken by this process at a new epoch (its first owner, or over an expired holder). */
  takeovers = 0;
  readonly drops = new Map<LeaseDrop, number>();
  readonly forwards = new Map<ForwardKind, number>();
  readonly forwardErrors = new Map<ForwardFailure, number>();

  count<K extends string>(map: Map<K, number>, key: K): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  /** Prometheus text lines (no trailing newline), appended to metrics.ts's render. */
  render(): string[] {
    const family = (name: string, help: string, type: 'gauge' | 'counter') => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
    const labelled = (name: string, label: string, map: Map<string, number>) => [...map].map(([k, n]) => `${name}{${label}="${k}"} ${n}`);
    return [
      ...family('popup_leases_held', 'Events whose lease this process holds (it serves them).', 'gauge'),
      `popup_leases_held ${this.leasesHeld}`,
      ...family('popup_lease_takeovers_total', 'Leases this process took at a new epoch (first owner, or after the holder expired).', 'counter'),
      `popup_lease_takeovers_total ${this.takeovers}`,
      ...family('popup_lease_drops_total', 'Events this process stopped serving, by why (a lost or unrenewable lease, a fenced write, a clean release).', 'counter'),
      ...labelled('popup_lease_drops_total', 'reason', this.drops),
      ...family('popup_forwards_total', 'Requests passed on to the process that owns their event, by kind.', 'counter'),
      ...labelled('popup_forwards_total', 'kind', this.forwards),
      ...family('popup_forward_errors_total', 'Requests for another process\'s event answered 503 instead, by why.', 'counter'),
      ...labelled('popup_forward_errors_total', 'reason', this.forwardErrors),
    ];
  }
}
