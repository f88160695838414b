/**
 * The till's side of online-order fulfilment: the orders routed to its location, and advancing their status,
 * over the sync server's HTTP API with the till's own token (docs/api.md, "Fulfilment"). The server decides
 * who may: a till sees and moves only the orders routed to its location.
 */
export type OrderStatus = 'placed' | 'allocated' | 'picked' | 'ready' | 'shipped' | 'collected' | 'delivered';

export interface FulfilmentOrder {
  orderId: string;
  status: OrderStatus;
  receiptNumber: string;
  lines: { brandId: string; sku: string; name: string; qty: number }[];
  total: number;
  currency: string;
  createdAt: number;
  fulfilment: { type: 'ship' | 'pickup'; locationId?: string } | null;
  routedTo: string | null;
  distanceKm: number | null;
  history: { status: OrderStatus; at: number }[];
  /** The statuses it may go to next, in order. */
  next: OrderStatus[];
}

/** The server could not be reached (the venue network is down, or the server is): the caller says "offline". */
export class OrdersOffline extends Error {
  constructor(serverUrl: string) {
    super(`Cannot reach ${serverUrl}`);
    this.name = 'OrdersOffline';
  }
}

export interface OrdersConnection {
  serverUrl: string;
  token: string;
  eventId: string;
}

async function request<T>(c: OrdersConnection, method: string, path: string, body: unknown, fetchFn: typeof fetch): Promise<T> {
  let res: Response;
  try {
    res = await fetchFn(`${c.serverUrl.replace(/\/$/, '')}/api/events/${encodeURIComponent(c.eventId)}${path}`, {
      method,
      headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new OrdersOffline(c.serverUrl);
  }
  const parsed = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(parsed.message ?? `The server answered ${res.status}`);
  return parsed as T;
}

/** The open orders routed to a location (not yet collected or delivered), newest first. */
export async function listOrders(c: OrdersConnection, locationId: string, fetchFn: typeof fetch = fetch): Promise<FulfilmentOrder[]> {
  const body = await request<{ orders: FulfilmentOrder[] }>(c, 'GET', `/locations/${encodeURIComponent(locationId)}/orders`, undefined, fetchFn);
  return body.orders;
}

export function advanceOrder(c: OrdersConnection, orderId: string, status: OrderStatus, fetchFn: typeof fetch = fetch): Promise<FulfilmentOrder> {
  return request<FulfilmentOrder>(c, 'POST', `/orders/${encodeURIComponent(orderId)}/status`, { status }, fetchFn);
}
