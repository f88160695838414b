import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ValidationError } from '../../core/base/errors.ts';
import type { RecordSpace } from '../storage/store.ts';
import { etagOf } from '../storefront/stock.ts';
import { QaRateLimited, QaSenderBanned, QuestionNotFound } from './qa-errors.ts';
import type { EventSlot } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';

/**
 * The live Q&A of a drop (docs/api.md, "Live Q&A"; docs/organiser.md, "Q&A moderation"). Shoppers ask from the
 * drop page; the brand's staff (the organiser's console, or a till when a booth runs the live stream) answer,
 * pin, hide, or ban a sender. Questions are records of the event (`qa-question`, keyed by a zero-padded
 * sequence so a listing is in asking order; `qa-ban`, keyed by sender), kept for the post-drop analysis.
 *
 * Personal data: a shopper is known only by a pseudonym made from the browser key the drop page keeps
 * (`sender` = SHA-256 of event and key, so the same browser is a different sender in another event, and the
 * key itself is never stored), and shown as "Shopper 4F2A". No name, no e-mail, no address is taken or kept;
 * a question that carries an e-mail address or a phone number is refused, as everyone on the page would see it.
 */
export interface QuestionRecord {
  id: string;
  seq: number;
  askedAt: number;
  text: string;
  /** The product asked about (a SKU of the drop), when the shopper asked from a product. */
  sku?: string;
  /** The pseudonymous sender (never shown to shoppers; the staff ban by question, not by this). */
  sender: string;
  shopper: string;
  pinned: boolean;
  hidden: boolean;
  answer?: { text: string; at: number; byRole: string; byLabel: string };
  /** Last moderation step, for the post-drop record. */
  moderated?: { at: number; byRole: string; byLabel: string; what: string };
}

/** A question as every shopper on the page sees it. */
export interface PublicQuestion {
  id: string;
  askedAt: number;
  shopper: string;
  text: string;
  sku?: string;
  pinned: boolean;
  answer?: { text: string; answeredAt: number };
}

/** One change as the live feed carries it: the question as now shown, or its removal (hidden). */
export type QaChange = PublicQuestion | { id: string; removed: true };

export interface Staff {
  role: string;
  label: string;
}

export interface QaLimits {
  /** Questions one browser may ask a minute (default 3). */
  perSenderPerMinute: number;
  /** Questions one client address may send a minute, all browsers together (default 20: a venue's shared Wi-Fi). */
  perAddressPerMinute: number;
}

export const DEFAULT_QA_LIMITS: QaLimits = { perSenderPerMinute: 3, perAddressPerMinute: 20 };
export const QUESTION_MIN_LENGTH = 3;
export const QUESTION_MAX_LENGTH = 300;
export const ANSWER_MAX_LENGTH = 1000;
/** The public list holds the pinned questions and this many of the newest others (the page scrolls no further). */
export const PUBLIC_LIST_SIZE = 200;

const QUESTIONS = 'qa-question';
const BANS = 'qa-ban';
const BROWSER_KEY = /^[A-Za-z0-9_-]{32,128}$/;
const SKU = /^[A-Za-z0-9._/-]{1,80}$/;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]{2,}/;
const PHONE = /\+?\d[\d\s().-]{7,}\d/;
// Control characters other than newline, and the invisible bidi/zero-width ones that could disguise a text: a
// question is plain text, shown as text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/g;

interface EventQa {
  questions: Map<string, QuestionRecord>;
  bans: Set<string>;
  nextSeq: number;
  /** Writes run one at a time per event: a sequence number is never given twice. */
  chain: Promise<unknown>;
  snapshot: { body: { eventId: string; questions: PublicQuestion[] }; etag: string } | undefined;
}

export interface QaBoardDeps {
  /** The event's records (storage/store.ts `RecordSpace`). */
  records: (eventId: string) => RecordSpace;
  now: () => number;
  /** Whether `sku` is one of the event's products (a question about an unknown product is refused). */
  hasProduct: (eventId: string, sku: string) => Promise<boolean>;
  limits?: Partial<QaLimits>;
  /** Where each event's board is kept (event-hosts.ts): read again from the store after the event comes back. */
  hosts: EventHosts;
}

export class QaBoard {
  private readonly events: EventSlot<Promise<EventQa>>;
  private readonly listeners = new Set<(eventId: string, change: QaChange) => void>();
  private readonly perSender: RateLimiterMemory;
  private readonly perAddress: RateLimiterMemory;

  constructor(private readonly d: QaBoardDeps) {
    this.events = d.hosts.slot('qa-board');
    const limits = { ...DEFAULT_QA_LIMITS, ...d.limits };
    this.perSender = new RateLimiterMemory({ keyPrefix: 'qa-s', points: limits.perSenderPerMinute, duration: 60 });
    this.perAddress = new RateLimiterMemory({ keyPrefix: 'qa-a', points: limits.perAddressPerMinute, duration: 60 });
  }

  /** Calls `fn` with every change a shopper would see (qa-feed.ts coalesces and sends them). */
  onChange(fn: (eventId: string, change: QaChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- shoppers ------------------------------------------------------------------------------------------

  /** A shopper's question. `address` is the client's (rate limit only; it is not stored). */
  async ask(eventId: string, raw: unknown, address: string): Promise<PublicQuestion> {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const key = o['browserKey'];
    if (typeof key !== 'string' || !BROWSER_KEY.test(key)) {
      throw new ValidationError('browserKey', 'must be 32–128 base64url characters: the random key the drop page makes once and keeps');
    }
    const text = cleanText(o['text'], 'text', QUESTION_MAX_LENGTH);
    if ([...text].length < QUESTION_MIN_LENGTH) throw new ValidationError('text', `a question needs at least ${QUESTION_MIN_LENGTH} characters`);
    if (EMAIL.test(text) || PHONE.test(text)) {
      throw new ValidationError('text', 'leave out e-mail addresses and phone numbers: every shopper on the page sees the question');
    }
    const sku = o['sku'];
    if (sku !== undefined && (typeof sku !== 'string' || !SKU.test(sku) || !(await this.d.hasProduct(eventId, sku)))) {
      throw new ValidationError('sku', 'must be the SKU of one of this drop\'s products, or left out');
    }
    const sender = senderOf(eventId, key);
    const state = await this.state(eventId);
    if (state.bans.has(sender)) throw new QaSenderBanned();
    // The browser's own limit first: a shopper over it does not use up the address's share (a venue's Wi-Fi).
    await take(this.perSender, `${eventId}!${sender}`, 'qa-sender');
    await take(this.perAddress, address, 'qa-address');
    const q = await this.write(eventId, state, () => {
      const seq = state.nextSeq++;
      return { id: `q${seq}`, seq, askedAt: this.d.now(), text, ...(sku !== undefined ? { sku: sku as string } : {}), sender, shopper: shopperLabel(sender), pinned: false, hidden: false };
    });
    return publicQuestion(q);
  }

  /** What every shopper sees, with its ETag: built once per change, not once per read. */
  async publicList(eventId: string): Promise<{ body: { eventId: string; questions: PublicQuestion[] }; etag: string }> {
    const state = await this.state(eventId);
    if (!state.snapshot) {
      const visible = [...state.questions.values()].filter((q) => !q.hidden);
      const pinned = visible.filter((q) => q.pinned).sort((a, b) => b.seq - a.seq);
      const rest = visible.filter((q) => !q.pinned).sort((a, b) => b.seq - a.seq).slice(0, PUBLIC_LIST_SIZE);
      const body = { eventId, questions: [...pinned, ...rest].map(publicQuestion) };
      state.snapshot = { body, etag: etagOf(body) };
    }
    return state.snapshot;
  }

  // ---- staff ---------------------------------------------------------------------------------------------

  /** Every question, hidden ones too, and whether its sender is banned: the moderation list. */
  async all(eventId: string): Promise<(QuestionRecord & { senderBanned: boolean })[]> {
    const state = await this.state(eventId);
    return [...state.questions.values()].sort((a, b) => b.seq - a.seq).map((q) => ({ ...q, senderBanned: state.bans.has(q.sender) }));
  }

  async answer(eventId: string, id: string, raw: unknown, by: Staff): Promise<QuestionRecord> {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const text = cleanText(o['text'], 'text', ANSWER_MAX_LENGTH);
    if (!text) throw new ValidationError('text', 'an answer cannot be empty');
    return this.change(eventId, id, (q) => ({ ...q, answer: { text, at: this.d.now(), byRole: by.role, byLabel: by.label } }));
  }

  /** Pins or hides (either or both); a hidden question leaves every shopper's page, a pinned one stays on top. */
  async moderate(eventId: string, id: string, raw: unknown, by: Staff): Promise<QuestionRecord> {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const pinned = o['pinned'];
    const hidden = o['hidden'];
    if (pinned !== undefined && typeof pinned !== 'boolean') throw new ValidationError('pinned', 'must be true or false');
    if (hidden !== undefined && typeof hidden !== 'boolean') throw new ValidationError('hidden', 'must be true or false');
    if (pinned === undefined && hidden === undefined) throw new ValidationError('pinned', 'send pinned, hidden or both');
    const what = [pinned === undefined ? '' : pinned ? 'pinned' : 'unpinned', hidden === undefined ? '' : hidden ? 'hidden' : 'shown'].filter(Boolean).join(', ');
    return this.change(eventId, id, (q) => ({ ...q, ...(pinned !== undefined ? { pinned } : {}), ...(hidden !== undefined ? { hidden } : {}), moderated: { at: this.d.now(), byRole: by.role, byLabel: by.label, what } }));
  }

  /**
   * Bans the browser that asked question `id` from asking again in this event, and hides everything it asked:
   * the staff never see the browser key, only the question they judged.
   */
  async banSender(eventId: string, id: string, by: Staff): Promise<{ shopper: string; hidden: number }> {
    const state = await this.state(eventId);
    const q = state.questions.get(id);
    if (!q) throw new QuestionNotFound(id);
    await this.d.records(eventId).put(BANS, q.sender, { at: this.d.now(), byRole: by.role, byLabel: by.label, question: id });
    state.bans.add(q.sender);
    let hidden = 0;
    for (const other of [...state.questions.values()]) {
      if (other.sender !== q.sender || other.hidden) continue;
      await this.change(eventId, other.id, (x) => ({ ...x, hidden: true, moderated: { at: this.d.now(), byRole: by.role, byLabel: by.label, what: 'hidden (sender banned)' } }));
      hidden++;
    }
    return { shopper: q.shopper, hidden };
  }

  /** The post-drop record: every question with its timings, and a summary (per product, time to answer). */
  async analysis(eventId: string): Promise<QaAnalysis> {
    const state = await this.state(eventId);
    const qs = [...state.questions.values()].sort((a, b) => a.seq - b.seq);
    const waits = qs.filter((q) => q.answer).map((q) => Math.round((q.answer!.at - q.askedAt) / 1000)).sort((a, b) => a - b);
    const bySku = new Map<string, { sku: string; questions: number; answered: number }>();
    for (const q of qs) {
      if (q.sku === undefined) continue;
      const row = bySku.get(q.sku) ?? { sku: q.sku, questions: 0, answered: 0 };
      row.questions++;
      if (q.answer) row.answered++;
      bySku.set(q.sku, row);
    }
    return {
      eventId,
      summary: {
        questions: qs.length,
        answered: waits.length,
        hidden: qs.filter((q) => q.hidden).length,
        pinned: qs.filter((q) => q.pinned).length,
        askers: new Set(qs.map((q) => q.sender)).size,
        bannedSenders: state.bans.size,
        medianSecondsToAnswer: waits.length ? waits[Math.floor((waits.length - 1) / 2)]! : null,
        bySku: [...bySku.values()].sort((a, b) => b.questions - a.questions),
      },
      questions: qs.map((q) => ({
        id: q.id,
        askedAt: q.askedAt,
        shopper: q.shopper,
        sku: q.sku ?? null,
        text: q.text,
        pinned: q.pinned,
        hidden: q.hidden,
        answer: q.answer?.text ?? null,
        answeredAt: q.answer?.at ?? null,
        answeredBy: q.answer ? `${q.answer.byLabel} (${q.answer.byRole})` : null,
        secondsToAnswer: q.answer ? Math.round((q.answer.at - q.askedAt) / 1000) : null,
      })),
    };
  }

  // ---- state ---------------------------------------------------------------------------------------------

  private state(eventId: string): Promise<EventQa> {
    let s = this.events.get(eventId);
    if (!s) {
      s = (async () => {
        const space = this.d.records(eventId);
        const stored = await space.list<QuestionRecord>(QUESTIONS);
        const bans = await space.list<unknown>(BANS);
        const questions = new Map(stored.map(([, q]) => [q.id, q]));
        const nextSeq = stored.reduce((m, [, q]) => Math.max(m, q.seq + 1), 1);
        return { questions, bans: new Set(bans.map(([k]) => k)), nextSeq, chain: Promise.resolve(), snapshot: undefined };
      })();
      // A failed load is retried on the next call rather than remembered.
      const made = s;
      made.catch(() => {
        if (this.events.get(eventId) === made) this.events.delete(eventId);
      });
      this.events.set(eventId, made);
    }
    return s;
  }

  private async change(eventId: string, id: string, next: (q: QuestionRecord) => QuestionRecord): Promise<QuestionRecord> {
    const state = await this.state(eventId);
    return this.write(eventId, state, () => {
      const q = state.questions.get(id);
      if (!q) throw new QuestionNotFound(id);
      return next(q);
    });
  }

  /** Stores the record (durably), then shows it: memory and the feed change only after the write held. */
  private write(eventId: string, state: EventQa, make: () => QuestionRecord): Promise<QuestionRecord> {
    const run = state.chain.then(async () => {
      const before = state.nextSeq;
      let q: QuestionRecord;
      try {
        q = make();
        await this.d.records(eventId).put(QUESTIONS, String(q.seq).padStart(10, '0'), q);
      } catch (err) {
        state.nextSeq = before;
        throw err;
      }
      const was = state.questions.get(q.id);
      state.questions.set(q.id, q);
      state.snapshot = undefined;
      const change: QaChange | undefined = q.hidden ? (was && !was.hidden ? { id: q.id, removed: true } : undefined) : publicQuestion(q);
      if (change) for (const fn of this.listeners) fn(eventId, change);
      return q;
    });
    state.chain = run.catch(() => undefined);
    return run;
  }
}

export interface QaAnalysis {
  eventId: string;
  summary: {
    questions: number;
    answered: number;
    hidden: number;
    pinned: number;
    askers: number;
    bannedSenders: number;
    medianSecondsToAnswer: number | null;
    bySku: { sku: string; questions: number; answered: number }[];
  };
  questions: {
    id: string;
    askedAt: number;
    shopper: string;
    sku: string | null;
    text: string;
    pinned: boolean;
    hidden: boolean;
    answer: string | null;
    answeredAt: number | null;
    answeredBy: string | null;
    secondsToAnswer: number | null;
  }[];
}

export function publicQuestion(q: QuestionRecord): PublicQuestion {
  return {
    id: q.id,
    askedAt: q.askedAt,
    shopper: q.shopper,
    text: q.text,
    ...(q.sku !== undefined ? { sku: q.sku } : {}),
    pinned: q.pinned,
    ...(q.answer ? { answer: { text: q.answer.text, answeredAt: q.answer.at } } : {}),
  };
}

/** The pseudonym of a browser in one event: unlinkable across events, and the key is not recoverable from it. */
export function senderOf(eventId: string, browserKey: string): string {
  return createHash('sha256').update(`qa\n${eventId}\n${browserKey}`).digest('base64url');
}

/** "Shopper 4F2A": four hex digits of the sender, enough to tell voices apart in a live room. */
export function shopperLabel(sender: string): string {
  return `Shopper ${Buffer.from(sender, 'base64url').subarray(0, 2).toString('hex').toUpperCase()}`;
}

function cleanText(raw: unknown, field: string, max: number): string {
  if (typeof raw !== 'string') throw new ValidationError(field, 'must be text');
  const text = raw.replace(CONTROL, '').replace(/\r\n?/g, '\n').trim();
  if ([...text].length > max) throw new ValidationError(field, `must be at most ${max} characters (it has ${[...text].length})`);
  return text;
}

async function take(limiter: RateLimiterMemory, key: string, limit: 'qa-sender' | 'qa-address'): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    throw new QaRateLimited(limit, Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
  }
}
