import type { TillProfile } from '../store/local-store.ts';

/**
 * Exchanges a pairing code (from the organiser) for this till's token and identity in the event.
 * Errors come back as the server's tagged message, so the cashier reads what to do.
 */
export interface PairResult extends TillProfile {
  brandIds: string[];
  serverUrl: string;
  token: string;
}

export async function pairWithServer(serverUrl: string, code: string, deviceId: string, fetchFn: typeof fetch = fetch): Promise<PairResult> {
  const base = serverUrl.trim().replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetchFn(`${base}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: code.trim(), deviceId }) });
  } catch {
    throw new Error(`Cannot reach ${base}: check the address and the venue network`);
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string; token?: string; eventId?: string; tillId?: string; receiptPrefix?: string; brandIds?: string[] };
  if (!res.ok || !body.token || !body.eventId || !body.tillId || !body.receiptPrefix || !body.brandIds) {
    throw new Error(body.message ?? `The server answered ${res.status}`);
  }
  return { eventId: body.eventId, tillId: body.tillId, receiptPrefix: body.receiptPrefix, brandIds: body.brandIds, serverUrl: base, token: body.token };
}
