/**
 * The till's side of the drop's live Q&A, for a booth that runs the live stream: the questions, answering,
 * pinning and hiding, over the sync server's HTTP API with the till's own token (docs/api.md, "Live Q&A"). The
 * server decides who may: the event's organiser and its tills, never a storefront.
 */
export interface TillQuestion {
  id: string;
  askedAt: number;
  shopper: string;
  text: string;
  sku?: string;
  pinned: boolean;
  hidden: boolean;
  answer?: { text: string; at: number; byLabel: string };
}

export interface QaConnection {
  serverUrl: string;
  token: string;
  eventId: string;
}

/** The server could not be reached: the panel says "offline" and keeps the last list. */
export class QaOffline extends Error {
  constructor(serverUrl: string) {
    super(`Cannot reach ${serverUrl}`);
    this.name = 'QaOffline';
  }
}

async function request<T>(c: QaConnection, method: string, path: string, body: unknown, fetchFn: typeof fetch): Promise<T> {
  let res: Response;
  try {
    res = await fetchFn(`${c.serverUrl.replace(/\/$/, '')}/api/events/${encodeURIComponent(c.eventId)}/qa${path}`, {
      method,
      headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new QaOffline(c.serverUrl);
  }
  const parsed = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(parsed.message ?? `The server answered ${res.status}`);
  return parsed as T;
}

/** Every question, hidden ones too, newest first, and how many shoppers watch. */
export function listQuestions(c: QaConnection, fetchFn: typeof fetch = fetch): Promise<{ questions: TillQuestion[]; watching: number }> {
  return request(c, 'GET', '/moderation', undefined, fetchFn);
}

export function answerQuestion(c: QaConnection, id: string, text: string, fetchFn: typeof fetch = fetch): Promise<TillQuestion> {
  return request(c, 'PUT', `/questions/${encodeURIComponent(id)}/answer`, { text }, fetchFn);
}

export function moderateQuestion(c: QaConnection, id: string, change: { pinned?: boolean; hidden?: boolean }, fetchFn: typeof fetch = fetch): Promise<TillQuestion> {
  return request(c, 'PATCH', `/questions/${encodeURIComponent(id)}`, change, fetchFn);
}
