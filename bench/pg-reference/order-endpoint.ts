import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';

/**
 * The reference of issue #15's order targets: what a shop developer would write for a drop's orders, with
 * nothing of ours in it. A Node HTTP endpoint, a `pg` pool of 16, and one PostgreSQL transaction per order:
 *
 *   BEGIN
 *   UPDATE stock SET qty = qty - $n WHERE sku = $1 AND qty >= $n     -- no row: sold out, ROLLBACK, 409
 *   INSERT INTO orders … ON CONFLICT (idempotency_key) DO NOTHING     -- no row: a retry, ROLLBACK, the
 *   COMMIT                                                             -- first answer again (200)
 *
 * `synchronous_commit` is left at PostgreSQL's default (on), as ours is: an answered order is on disk.
 * Run by bench/orders.bench.ts in a process of its own (as our server runs in its own), bundled by esbuild:
 * `node order-endpoint.mjs '{"url":"postgres://…","port":0}'` prints `READY http://127.0.0.1:<port>`.
 */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, qty integer NOT NULL CHECK (qty >= 0));
  CREATE TABLE IF NOT EXISTS orders (
    id bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    sku text NOT NULL REFERENCES stock (sku),
    qty integer NOT NULL CHECK (qty > 0),
    amount integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
`;

export const POOL_SIZE = 16;

interface OrderBody {
  sku?: unknown;
  qty?: unknown;
  amount?: unknown;
}

export function referenceServer(pool: pg.Pool): Server {
  return createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/orders') void order(pool, req, res);
    else reply(res, 404, { error: 'not found' });
  });
}

async function order(pool: pg.Pool, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = req.headers['idempotency-key'];
  let body: OrderBody;
  try {
    body = JSON.parse(await readBody(req)) as OrderBody;
  } catch {
    return reply(res, 400, { error: 'body is not JSON' });
  }
  const { sku, qty, amount } = body;
  if (typeof key !== 'string' || !key) return reply(res, 400, { error: 'Idempotency-Key header required' });
  if (typeof sku !== 'string' || !Number.isInteger(qty) || (qty as number) < 1 || !Number.isInteger(amount)) {
    return reply(res, 400, { error: 'sku, qty (≥ 1) and amount (minor units) required' });
  }
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const took = await c.query('UPDATE stock SET qty = qty - $2 WHERE sku = $1 AND qty >= $2', [sku, qty]);
    if (took.rowCount === 0) {
      await c.query('ROLLBACK');
      return reply(res, 409, { error: 'sold out' });
    }
    const made = await c.query<{ id: string }>(
      'INSERT INTO orders (idempotency_key, sku, qty, amount) VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id',
      [key, sku, qty, amount],
    );
    if (made.rowCount === 0) {
      // A retry of an order already placed: give the stock back and answer as the first time.
      await c.query('ROLLBACK');
      const first = await pool.query<{ id: string }>('SELECT id FROM orders WHERE idempotency_key = $1', [key]);
      return reply(res, 200, { id: first.rows[0]?.id });
    }
    await c.query('COMMIT');
    reply(res, 201, { id: made.rows[0]!.id });
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    reply(res, 500, { error: err instanceof Error ? err.message : String(err) });
  } finally {
    c.release();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (s += chunk));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** As a process of its own: connect, listen, say where; stop on SIGTERM. */
export async function main(arg: string): Promise<void> {
  const { url, port } = JSON.parse(arg) as { url: string; port?: number };
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  const server = referenceServer(pool);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port ?? 0, '127.0.0.1', resolve));
  const addr = server.address();
  console.log(`READY http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void pool.end().then(() => process.exit(0)));
  });
}
