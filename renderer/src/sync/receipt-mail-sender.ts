import type { MailOutbox, QueuedReceipt } from '../store/mail-outbox.ts';

/**
 * Drains the till's e-mail receipt queue to the server (POST /api/events/<id>/receipts/email with the
 * till's token; docs/api.md, "E-mail receipts"). The server sends each receipt at most once, so asking
 * again after a lost answer is safe. What each answer means for the queued row:
 *
 * - 201 sent / 200 already sent: done, the row and its address are deleted;
 * - no answer (offline), 409 the sale has not synced yet, 502 the relay failed for now, 429, 5xx: kept, tried
 *   again on the next drain (reconnection, a new receipt, or the retry timer);
 * - 503 `MailNotConfiguredError`, 422 (a bad or refused address), 403, 400: refused for good; kept as failed
 *   with the server's reason (shown to the cashier), without the address.
 */
export interface MailConnection {
  serverUrl: string;
  token: string;
  eventId: string;
}

export type DrainResult = { sent: string[]; failed: { receiptNumber: string; error: string }[]; offline: boolean; waiting: number };

export async function drainMailOutbox(outbox: MailOutbox, c: MailConnection, fetchFn: typeof fetch = fetch): Promise<DrainResult> {
  const result: DrainResult = { sent: [], failed: [], offline: false, waiting: 0 };
  for (const r of await outbox.queued()) {
    const answer = await post(r, c, fetchFn);
    if (answer === 'offline') {
      // One unreachable server is unreachable for all of them: stop, the next drain tries again.
      result.offline = true;
      result.waiting += 1;
      continue;
    }
    await outbox.attempted(r.checkoutId);
    if (answer.status === 200 || answer.status === 201) {
      await outbox.done(r.checkoutId);
      result.sent.push(r.receiptNumber);
    } else if (PERMANENT.has(answer.status) || answer.type === 'MailNotConfiguredError') {
      const error = `${answer.type}: ${answer.message}`;
      await outbox.failed(r.checkoutId, error);
      result.failed.push({ receiptNumber: r.receiptNumber, error });
    } else {
      result.waiting += 1;
    }
  }
  return result;
}

// A 503 is permanent only as MailNotConfiguredError (above): a damaged document's 503 passes with a rebuild.
const PERMANENT = new Set([400, 401, 403, 404, 413, 415, 422]);

async function post(r: QueuedReceipt, c: MailConnection, fetchFn: typeof fetch): Promise<'offline' | { status: number; type: string; message: string }> {
  let res: Response;
  try {
    res = await fetchFn(`${c.serverUrl.replace(/\/$/, '')}/api/events/${encodeURIComponent(c.eventId)}/receipts/email`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sales: r.sales, to: r.to }),
    });
  } catch {
    return 'offline';
  }
  const body = (await res.json().catch(() => ({}))) as { type?: string; message?: string };
  return { status: res.status, type: body.type ?? `HTTP ${res.status}`, message: body.message ?? `the server answered ${res.status}` };
}
