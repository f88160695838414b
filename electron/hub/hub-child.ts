import { setupDocName } from '../../core/event/schema.ts';
import { toTagged } from '../../core/base/errors.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { startSyncServer, type SyncServer } from '../../sync-server/server.ts';
import { isHubRequest, type HubEvent, type HubMessage, type HubPairingCode, type HubPairingRequest, type HubRequest, type HubStartOptions, type HubStatus } from './hub-protocol.ts';
import { lanAddresses } from './lan-address.ts';
import { UpstreamBridge } from './upstream-bridge.ts';

/**
 * The LAN hub's process: the sync server (sync-server/server.ts) running inside the desktop app, so one till
 * — typically the organiser's laptop — hosts the sync for every booth at a venue with no internet. It runs
 * apart from the main process (an Electron utility process in the app; a Node child process in tests), so
 * a busy hub never stalls the till's window and a crash of one does not take down the other.
 *
 * Plain Node: it talks to its parent through whichever channel it was started with — Electron's
 * `process.parentPort` or Node's IPC channel (`process.send`) — with the messages of hub-protocol.ts.
 */
export interface Channel {
  send(message: HubMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

export function parentChannel(): Channel {
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: 'message', fn: (e: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) return { send: (m) => parentPort.postMessage(m), onMessage: (fn) => parentPort.on('message', (e) => fn(e.data)) };
  if (process.send) {
    const send = process.send.bind(process);
    return { send: (m) => void send(m), onMessage: (fn) => process.on('message', fn) };
  }
  throw new Error('the hub process was started without a channel to its parent');
}

export class HubHost {
  private server: SyncServer | undefined;
  private bridge: { bridge: UpstreamBridge; url: string; eventId: string } | undefined;
  private host = '0.0.0.0';
  private relayTag: string | undefined;
  private starting: Promise<HubStatus> | undefined;

  constructor(private readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void) {}

  async handle(req: HubRequest): Promise<unknown> {
    switch (req.type) {
      case 'start':
        return this.start(req.options);
      case 'stop':
        return this.stop();
      case 'status':
        return this.status();
      case 'pairing-code':
        return this.pairingCode(req.request);
    }
  }

  async start(options: HubStartOptions): Promise<HubStatus> {
    if (this.server) return this.status();
    if (this.starting) return this.starting;
    this.starting = (async () => {
      this.host = options.host ?? '0.0.0.0';
      this.relayTag = options.relayTag;
      const upstream = options.upstream;
      if (upstream && options.demo) throw new Error('A hub that relays to an upstream server holds that server’s event, not the demo mall');
      if (upstream && !options.relayTag) throw new Error('A relaying hub needs its tag (relayTag) to name the tills it pairs');
      this.server = await startSyncServer({
        host: this.host,
        port: options.port ?? 8787,
        dataDir: options.dataDir,
        ...(options.appDir ? { appDir: options.appDir } : {}),
        ...(upstream ? { relay: { tag: options.relayTag!, eventId: upstream.eventId } } : {}),
        log: this.log,
      });
      if (upstream) {
        const port = new URL(this.server.url).port;
        const bridge = new UpstreamBridge({ local: { url: `http://127.0.0.1:${port}`, token: this.server.adminToken }, upstream, log: this.log });
        bridge.start();
        this.bridge = { bridge, url: upstream.url, eventId: upstream.eventId };
      }
      if (options.demo) {
        // The demo drop started a few minutes ago, so its first discount tier is live (as `npm start`).
        const seeded = await seedDemo(this.server, Date.now() - 5 * 60_000);
        this.log('info', seeded.created ? 'demo mall created on the hub' : 'demo mall already on the hub', { tills: seeded.tills.length });
      }
      this.log('info', 'LAN hub listening', { url: this.server.url });
      return this.status();
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async stop(): Promise<HubStatus> {
    const server = this.server;
    this.server = undefined;
    this.bridge?.bridge.stop();
    this.bridge = undefined;
    if (server) await server.close();
    return this.status();
  }

  async status(): Promise<HubStatus> {
    const server = this.server;
    if (!server) return { running: false, urls: [], events: [] };
    const port = Number(new URL(server.url).port);
    const urls = lanAddresses(this.host).map((a) => `http://${a}:${port}`);
    const upstream = this.bridge ? { ...this.bridge.bridge.status(), url: this.bridge.url, eventId: this.bridge.eventId } : undefined;
    return { running: true, url: urls[0] ?? server.url, urls, port, events: await this.events(server), adminToken: server.adminToken, ...(upstream ? { upstream } : {}), ...(this.relayTag ? { relayTag: this.relayTag } : {}) };
  }

  private async events(server: SyncServer): Promise<HubEvent[]> {
    const ids = new Set<string>();
    for (const id of await server.stores.eventIds()) {
      if ((await server.stores.event(id).docNames()).includes(setupDocName(id))) ids.add(id);
    }
    const out: HubEvent[] = [];
    for (const id of [...ids].sort()) {
      const s = await server.events.setup(id);
      if (!s.config) continue;
      out.push({ id, name: s.config.name, locations: s.locations.map((l) => ({ id: l.id, name: l.name, kind: l.kind })), brands: s.brands.map((b) => ({ id: b.id, name: b.name })) });
    }
    return out;
  }

  async pairingCode(req: HubPairingRequest): Promise<HubPairingCode> {
    const server = this.server;
    if (!server) throw new Error('The LAN hub is not running: start it first');
    const events = await this.events(server);
    if (!events.some((e) => e.id === req.eventId)) throw new Error(`This hub does not hold the event "${req.eventId}": set it up on the hub first (docs/desktop.md)`);
    const made = await server.events.createPairingCode(req.eventId, { name: req.name, locationId: req.locationId, brandIds: req.brandIds });
    const status = await this.status();
    return { code: made.code, expiresAt: made.expiresAt, tillId: made.tillId, url: status.url ?? server.url };
  }
}

/** Runs the hub for the parent on the other end of `channel`, until told to stop or the parent goes away. */
export function serveHub(channel: Channel): HubHost {
  const host = new HubHost((level, message, fields) => channel.send({ type: 'log', level, message, ...(fields ? { fields } : {}) }));
  // One request at a time, in order: a stop never overtakes the start before it.
  let queue: Promise<unknown> = Promise.resolve();
  channel.onMessage((msg) => {
    if (!isHubRequest(msg)) {
      channel.send({ type: 'log', level: 'warn', message: 'ignored a message that is not a hub request' });
      return;
    }
    queue = queue.then(async () => {
      try {
        channel.send({ id: msg.id, ok: true, value: await host.handle(msg) });
      } catch (err) {
        channel.send({ id: msg.id, ok: false, error: toTagged(err) });
      }
    });
  });
  return host;
}
