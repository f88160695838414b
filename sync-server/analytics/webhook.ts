import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Alert } from '../../core/reports/alerts.ts';
import { ValidationError } from '../../core/base/errors.ts';
import type { Stores } from '../storage/store.ts';
import { guardedLookup, isPrivateAddress, WebhookTargetError } from './webhook-target.ts';

/**
 * Sends each new alert of an event to the organiser's webhook, if one is configured (docs/api.md, "Alerts").
 *
 * `POST <url>` with the JSON body `{ "eventId", "alert" }` and the headers
 *   x-popup-delivery   `<eventId>/<alertId>`: the same on every retry, for the receiver to de-duplicate
 *   x-popup-timestamp  epoch ms of this attempt
 *   x-popup-signature  `sha256=` + hex HMAC-SHA256(secret, `<timestamp>.<body>`): signing the timestamp
 *                      with the body lets the receiver refuse a replayed old delivery
 * A 2xx answer is delivered. Anything else (another status, a network error, no answer within `timeoutMs`)
 * is retried after `backoffMs`, doubling each time, up to `maxAttempts`; then it is given up. Every attempt
 * goes to the delivery log. Pending deliveries are kept in storage (`alert-outbox`) until they end, so a
 * restart resumes them rather than losing or repeating them.
 */
export interface WebhookOptions {
  /** Time to wait for the receiver's answer (default 5 s). */
  timeoutMs: number;
  /** Attempts in all, the first included (default 6: over about a minute with the default backoff). */
  maxAttempts: number;
  /** Wait before the first retry; doubled for each next one (default 2 s). */
  backoffMs: number;
  /** Delivery log entries kept per event, the newest (default 500). */
  logLimit: number;
  /**
   * Whether the webhook may point at loopback, link-local or private addresses (default false: an organiser
   * token must not make the server reach what only the server can reach; see webhook-target.ts). The
   * operator's `--allow-private-webhooks`; tests with a receiver on 127.0.0.1 set it.
   */
  allowPrivate: boolean;
}

export interface WebhookConfig {
  url: string;
  secret: string;
  updatedAt: number;
}

export interface DeliveryAttempt {
  eventId: string;
  alertId: string;
  attempt: number;
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
  /** Set on the last attempt: `delivered` or `given up`. */
  outcome?: 'delivered' | 'given up';
}

interface Pending {
  eventId: string;
  alert: Alert;
  attempts: number;
}

const WEBHOOKS = 'alert-webhooks';
const OUTBOX = 'alert-outbox';
const LOG = 'alert-deliveries';
export const SIGNATURE_HEADER = 'x-popup-signature';
export const TIMESTAMP_HEADER = 'x-popup-timestamp';
export const DELIVERY_HEADER = 'x-popup-delivery';

/** The signature a receiver recomputes: hex HMAC-SHA256 of `<timestamp>.<body>` with the shared secret. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks a webhook configuration: an http(s) URL and a secret long enough to resist guessing. */
export function parseWebhookConfig(raw: unknown, now: number): WebhookConfig {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const url = o['url'];
  const secret = o['secret'];
  if (typeof url !== 'string') throw new ValidationError('url', 'must be the webhook URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('url', `"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ValidationError('url', 'must be an http or https URL');
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 200) throw new ValidationError('secret', 'must be 16 to 200 characters');
  return { url: parsed.toString(), secret, updatedAt: now };
}

export class WebhookSender {
  private readonly o: WebhookOptions;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly inFlight = new Set<string>();
  private seq = 0;
  private closed = false;

  constructor(private readonly d: { stores: Stores; now: () => number; log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void } & Partial<WebhookOptions>) {
    this.o = { timeoutMs: d.timeoutMs ?? 5000, maxAttempts: d.maxAttempts ?? 6, backoffMs: d.backoffMs ?? 2000, logLimit: d.logLimit ?? 500, allowPrivate: d.allowPrivate ?? false };
  }

  /** Whether private targets are allowed (the routes check a new URL against it: webhook-target.ts). */
  get allowPrivate(): boolean {
    return this.o.allowPrivate;
  }

  async configure(eventId: string, config: WebhookConfig): Promise<void> {
    await this.d.stores.event(eventId).put(WEBHOOKS, '', config);
  }

  async remove(eventId: string): Promise<void> {
    await this.d.stores.event(eventId).del(WEBHOOKS, '');
  }

  config(eventId: string): Promise<WebhookConfig | undefined> {
    return this.d.stores.event(eventId).get<WebhookConfig>(WEBHOOKS, '');
  }

  async configuredEvents(): Promise<string[]> {
    // Once, at start: each event's one webhook record.
    const out: string[] = [];
    for (const eventId of await this.d.stores.eventIds()) if (await this.config(eventId)) out.push(eventId);
    return out;
  }

  /** Queues an alert for the event's webhook (durably) and starts sending it; nothing without a webhook. */
  async enqueue(eventId: string, alert: Alert): Promise<void> {
    if (!(await this.config(eventId))) return;
    const pending: Pending = { eventId, alert, attempts: 0 };
    await this.d.stores.event(eventId).put(OUTBOX, alert.id, pending);
    void this.send(pending);
  }

  /** Sends what a restart (or, with `only`, the event's previous owner) left in the outbox: every event's, or one's. */
  async resume(only?: string): Promise<void> {
    for (const eventId of only !== undefined ? [only] : await this.d.stores.eventIds()) for (const [, p] of await this.d.stores.event(eventId).list<Pending>(OUTBOX)) void this.send(p);
  }

  async deliveries(eventId: string): Promise<DeliveryAttempt[]> {
    return (await this.d.stores.event(eventId).list<DeliveryAttempt>(LOG)).map(([, v]) => v).reverse();
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async send(p: Pending): Promise<void> {
    const k = `${p.eventId}!${p.alert.id}`;
    if (this.closed || this.inFlight.has(k)) return;
    this.inFlight.add(k);
    try {
      const config = await this.config(p.eventId);
      if (!config) {
        await this.d.stores.event(p.eventId).del(OUTBOX, p.alert.id);
        return;
      }
      const attempt = p.attempts + 1;
      const body = JSON.stringify({ eventId: p.eventId, alert: p.alert });
      const timestamp = String(this.d.now());
      let status: number | undefined;
      let error: string | undefined;
      try {
        status = await this.post(config.url, { 'content-type': 'application/json', [DELIVERY_HEADER]: `${p.eventId}/${p.alert.id}`, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature(config.secret, timestamp, body) }, body);
      } catch (err) {
        error = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : err.message) : String(err);
      }
      const ok = status !== undefined && status >= 200 && status < 300;
      const last = ok || attempt >= this.o.maxAttempts;
      await this.logAttempt({ eventId: p.eventId, alertId: p.alert.id, attempt, at: this.d.now(), ok, ...(status !== undefined ? { status } : {}), ...(error ? { error } : {}), ...(last ? { outcome: ok ? 'delivered' : 'given up' } : {}) });
      if (last) {
        await this.d.stores.event(p.eventId).del(OUTBOX, p.alert.id);
        if (!ok) this.d.log('warn', 'gave up delivering an alert to the webhook', { eventId: p.eventId, alertId: p.alert.id, status, error });
        return;
      }
      const next: Pending = { ...p, attempts: attempt };
      await this.d.stores.event(p.eventId).put(OUTBOX, p.alert.id, next);
      if (this.closed) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        void this.send(next);
      }, this.o.backoffMs * 2 ** (attempt - 1));
      t.unref?.();
      this.timers.add(t);
    } catch (err) {
      this.d.log('error', 'alert webhook delivery failed', { eventId: p.eventId, alertId: p.alert.id, err: String(err) });
    } finally {
      this.inFlight.delete(k);
    }
  }

  /**
   * One POST, redirects not followed. Through node:http(s) rather than fetch so the address is checked where
   * the socket resolves it (guardedLookup): a name that now resolves to a private address is not sent to.
   * No shared agent: a kept-alive connection would skip the lookup.
   */
  private post(url: string, headers: Record<string, string>, body: string): Promise<number> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.o.allowPrivate && isIP(host) && isPrivateAddress(host)) return Promise.reject(new WebhookTargetError(`${host} is loopback, link-local or private: not sent`));
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: guardedLookup(this.o.allowPrivate), agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), this.o.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  }

  private async logAttempt(a: DeliveryAttempt): Promise<void> {
    await this.d.stores.event(a.eventId).put(LOG, `${String(a.at).padStart(15, '0')}!${String(++this.seq).padStart(6, '0')}`, a);
    // Keep the newest `logLimit` entries of the event.
    const mine = await this.d.stores.event(a.eventId).list<DeliveryAttempt>(LOG);
    for (const [k] of mine.slice(0, Math.max(0, mine.length - this.o.logLimit))) await this.d.stores.event(a.eventId).del(LOG, k);
  }
}
