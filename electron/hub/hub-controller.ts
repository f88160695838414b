import { isHubMessage, type HubLog, type HubPairingCode, type HubPairingRequest, type HubReply, type HubRequest, type HubStartOptions, type HubStatus } from './hub-protocol.ts';

/**
 * The main process's side of the LAN hub: starts the hub's process on demand, sends it requests and waits
 * for their replies, and notices when it dies. Electron's `utilityProcess.fork` in the app, Node's
 * `child_process.fork` in tests: both fit `HubChild` with a small adapter.
 */
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export interface HubChild {
  postMessage(message: HubRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export interface HubControllerOptions {
  fork: () => HubChild;
  /** Where the hub keeps its data, what it serves, its relay tag; the renderer chooses the port, demo and upstream. */
  base: Omit<HubStartOptions, 'port' | 'demo' | 'upstream'>;
  log: (level: HubLog['level'], message: string, fields?: Record<string, unknown>) => void;
  /** How long a request may take (starting the store, making a code). Default 20 s. */
  timeoutMs?: number;
}

export class HubProcessError extends Error {
  override name = 'HubProcessError';
}

export class HubController {
  private child: HubChild | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private problem: string | undefined;

  constructor(private readonly opts: HubControllerOptions) {}

  async start(input: Pick<HubStartOptions, 'port' | 'demo' | 'upstream'> = {}): Promise<HubStatus> {
    this.problem = undefined;
    try {
      return (await this.request({ type: 'start', options: { ...this.opts.base, ...input } })) as HubStatus;
    } catch (err) {
      // A hub that could not start (the port is taken) is stopped, so the next start begins afresh.
      this.kill();
      throw err;
    }
  }

  async stop(): Promise<HubStatus> {
    if (!this.child) return { running: false, urls: [], events: [] };
    const status = (await this.request({ type: 'stop' })) as HubStatus;
    this.kill();
    return status;
  }

  async status(): Promise<HubStatus> {
    if (!this.child) return { running: false, urls: [], events: [], ...(this.problem ? { problem: this.problem } : {}) };
    return (await this.request({ type: 'status' })) as HubStatus;
  }

  async pairingCode(request: HubPairingRequest): Promise<HubPairingCode> {
    if (!this.child) throw new HubProcessError('The LAN hub is not running: start it first');
    return (await this.request({ type: 'pairing-code', request })) as HubPairingCode;
  }

  /** Stops the hub when the app quits: asks it to flush, then makes sure it is gone. */
  async dispose(): Promise<void> {
    if (!this.child) return;
    await this.stop().catch(() => this.kill());
  }

  private ensureChild(): HubChild {
    if (this.child) return this.child;
    const child = this.opts.fork();
    child.onMessage((m) => this.onMessage(m));
    child.onExit((code) => {
      if (this.child !== child) return;
      this.child = undefined;
      // We let go of the child before stopping it on purpose, so an exit seen here was not asked for.
      this.problem = `the LAN hub stopped unexpectedly (${code === null ? 'killed' : `exit code ${code}`}): start it again`;
      this.opts.log('error', this.problem);
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new HubProcessError(this.problem));
        this.pending.delete(id);
      }
    });
    this.child = child;
    return child;
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill();
  }

  private request(body: DistributiveOmit<HubRequest, 'id'>): Promise<unknown> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HubProcessError(`the LAN hub did not answer "${body.type}" in time`));
      }, this.opts.timeoutMs ?? 20_000);
      this.pending.set(id, { resolve, reject, timer });
      child.postMessage({ ...body, id } as HubRequest);
    });
  }

  private onMessage(m: unknown): void {
    if (!isHubMessage(m)) return;
    if ('type' in m && m.type === 'log') {
      this.opts.log(m.level, m.message, m.fields);
      return;
    }
    const reply = m as HubReply;
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.value);
    else {
      const err = new HubProcessError(reply.error.message);
      p.reject(err);
    }
  }
}
