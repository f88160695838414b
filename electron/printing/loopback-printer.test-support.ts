import { createServer, type Server, type Socket } from 'node:net';

/**
 * A network thermal printer played by a TCP server on 127.0.0.1, port 0: it collects every byte of each
 * job and answers the real-time status queries (DLE EOT n) with the state it is told to have.
 */
export interface LoopbackPrinter {
  host: string;
  port: number;
  /** Resolves with the bytes of the next job, when its sender closes the connection. */
  nextJob(): Promise<Uint8Array>;
  /** Answer DLE EOT 2 / 4 as a printer out of paper (or with its cover open); undefined: never answer. */
  state: 'ready' | 'paper-out' | 'paper-low' | 'cover-open' | 'silent';
  /** Stop reading (a printer jammed with its buffer full). */
  stall: boolean;
  close(): Promise<void>;
}

export async function loopbackPrinter(): Promise<LoopbackPrinter> {
  const jobs: Uint8Array[] = [];
  const waiting: ((job: Uint8Array) => void)[] = [];
  const sockets = new Set<Socket>();
  const printer: LoopbackPrinter = {
    host: '127.0.0.1',
    port: 0,
    state: 'ready',
    stall: false,
    nextJob: () => new Promise((resolve) => (jobs.length ? resolve(jobs.shift()!) : waiting.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const answer = (n: number): number | undefined => {
    if (printer.state === 'silent') return undefined;
    const base = 0x12;
    if (n === 2) return base | (printer.state === 'paper-out' ? 0x20 : 0) | (printer.state === 'cover-open' ? 0x04 : 0);
    if (n === 4) return base | (printer.state === 'paper-out' ? 0x60 : 0) | (printer.state === 'paper-low' ? 0x0c : 0);
    return base;
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const chunks: Buffer[] = [];
    if (printer.stall) socket.pause();
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // Real-time commands are answered as they arrive, before the job is complete.
      for (let i = 0; i + 2 < chunk.length; i++) {
        if (chunk[i] === 0x10 && chunk[i + 1] === 0x04) {
          const a = answer(chunk[i + 2]!);
          if (a !== undefined) socket.write(Uint8Array.of(a));
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      const job = new Uint8Array(Buffer.concat(chunks));
      const w = waiting.shift();
      if (w) w(job);
      else jobs.push(job);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  printer.port = typeof addr === 'object' && addr ? addr.port : 0;
  return printer;
}
