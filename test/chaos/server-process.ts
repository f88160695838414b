import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The sync server in its own process, started with the CLI on a data folder, as in production: so the run
 * can SIGKILL it (no flush, no goodbye) and start it again on the same port and the same data. With
 * `--store postgres://…` in its arguments it is one process of a cluster (test/cluster-processes.ts).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHAOS_ADMIN_TOKEN = 'chaos-admin-token-0123456789abcdef';

export interface DemoTokens {
  organiserToken: string;
  storefrontToken: string;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> | undefined;
  port = 0;
  kills = 0;
  restarts = 0;
  paused = false;
  /** Everything the processes printed, for a failure report. */
  readonly log: string[] = [];

  /** `serverArgs`: extra CLI flags for every start (e.g. `--compact-every 50`). */
  constructor(
    private readonly dataDir: string,
    private readonly serverArgs: string[] = [],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** First start: seeds the demo event and returns its organiser and storefront tokens. */
  async startWithDemo(): Promise<DemoTokens> {
    const lines = await this.spawn(['--demo'], (ls) => ls.some((l) => l.includes('Organiser token:')));
    const text = lines.join('\n');
    const organiserToken = /Organiser token:\s+(\S+)/.exec(text)?.[1];
    const storefrontToken = /Storefront token:\s+(\S+)/.exec(text)?.[1];
    if (!organiserToken || !storefrontToken) throw new Error(`unexpected CLI output:\n${text}`);
    return { organiserToken, storefrontToken };
  }

  /** Starts without --demo (another process of a cluster seeded the event, or it is already stored). */
  async start(): Promise<void> {
    await this.spawn([], () => true);
  }

  /** Starts again on the same port and data (without --demo: the event is already there). */
  async restart(): Promise<void> {
    await this.start();
    this.restarts++;
  }

  /** SIGKILL: the process gets no chance to flush or close anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    if (this.paused) this.resume();
    this.child!.kill('SIGKILL');
    await this.exited;
    this.kills++;
  }

  /**
   * SIGSTOP: the process stalls (a long GC pause, a frozen VM) with its sockets and its database connections
   * open, and does not renew its leases. SIGCONT (`resume`) lets it run on as if nothing had happened.
   */
  pause(): void {
    if (!this.running || this.paused) return;
    this.child!.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.running || !this.paused) return;
    this.child!.kill('SIGCONT');
    this.paused = false;
  }

  /** In a cluster: the events this process holds the lease of now, from its /healthz. */
  async owned(): Promise<string[]> {
    const h = (await (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(3000) })).json()) as { cluster?: { events: { eventId: string }[] } };
    return (h.cluster?.events ?? []).map((e) => e.eventId);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.resume();
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private async spawn(extra: string[], ready: (lines: string[]) => boolean): Promise<string[]> {
    const args = ['--import', 'tsx', 'sync-server/cli.ts', '--host', '127.0.0.1', '--port', String(this.port), '--data', this.dataDir, ...this.serverArgs, ...extra];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, POPUP_ADMIN_TOKEN: CHAOS_ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = once(child, 'exit');
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      this.log.push(l);
    });
    createInterface({ input: child.stderr! }).on('line', (l) => this.log.push(`stderr: ${l}`));
    const end = Date.now() + 60_000;
    for (;;) {
      const url = /sync server on http:\/\/127\.0\.0\.1:(\d+)\//.exec(lines.join('\n'));
      if (url && ready(lines)) {
        this.port = Number(url[1]);
        return lines;
      }
      if (child.exitCode !== null) throw new Error(`the sync server exited with ${child.exitCode}:\n${this.log.slice(-30).join('\n')}`);
      if (Date.now() > end) throw new Error(`the sync server did not start within 60 s:\n${this.log.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
