import { Socket } from 'node:net';
import { PopupError } from '../../core/base/errors.ts';

/**
 * Raw TCP to a network thermal printer (port 9100, "JetDirect"/raw printing): the ESC/POS bytes are written
 * as they are and the connection closed. Every step has a time limit, so an unplugged printer costs the
 * cashier seconds, not a frozen till, and every failure says in plain words what to check.
 *
 * Before printing, the printer is asked for its state with the real-time status commands DLE EOT 2 (offline
 * cause: cover open, stopped for paper end, error) and DLE EOT 4 (roll paper sensor) from the ESC/POS
 * command reference. A printer that answers "out of paper" or "cover open" gets no job (it would sit in the
 * printer's buffer and come out on the next roll, or never). A printer that does not answer these commands
 * (some clones) is printed to anyway.
 */
export class PrinterError extends PopupError {}

export interface NetworkPrinterOptions {
  /** Time to connect. Default 3 s: a printer on the LAN answers in milliseconds or not at all. */
  connectTimeoutMs?: number;
  /** Time to wait for the status answer. Default 800 ms. */
  statusTimeoutMs?: number;
  /** Time for the whole job to be taken. Default 10 s. */
  writeTimeoutMs?: number;
  /** Skip the status query (the drawer kick alone does not need paper). Default false. */
  skipStatus?: boolean;
}

export const STATUS_QUERY = Uint8Array.of(0x10, 0x04, 0x02, 0x10, 0x04, 0x04);

export interface PrinterStatus {
  answered: boolean;
  coverOpen: boolean;
  paperOut: boolean;
  paperNearEnd: boolean;
  error: boolean;
}

/** Decodes the two status bytes (bits 1 and 4 are always 1 and bits 0 and 7 always 0 in a real answer). */
export function decodeStatus(bytes: Uint8Array): PrinterStatus {
  const valid = (b: number | undefined) => b !== undefined && (b & 0x93) === 0x12;
  const offline = bytes[0];
  const paper = bytes[1];
  if (!valid(offline) || !valid(paper)) return { answered: false, coverOpen: false, paperOut: false, paperNearEnd: false, error: false };
  return {
    answered: true,
    coverOpen: (offline! & 0x04) !== 0,
    paperOut: (offline! & 0x20) !== 0 || (paper! & 0x60) !== 0,
    paperNearEnd: (paper! & 0x0c) !== 0,
    error: (offline! & 0x40) !== 0,
  };
}

export interface SendResult {
  bytes: number;
  status: PrinterStatus;
}

export async function sendToNetworkPrinter(host: string, port: number, data: Uint8Array, opts: NetworkPrinterOptions = {}): Promise<SendResult> {
  const where = `${host}:${port}`;
  const socket = new Socket();
  socket.setNoDelay(true);
  // Errors are reported by the step that is waiting (connect, status, write); this listener only keeps an
  // error between steps from being an unhandled 'error' event, which would end the main process.
  socket.on('error', () => undefined);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
        socket.connect(port, host);
      }),
      opts.connectTimeoutMs ?? 3000,
      () => new PrinterError(`No answer from the printer at ${where}: check that it is switched on and on this network`),
    ).catch((err: unknown) => {
      throw err instanceof PrinterError ? err : connectError(err, where);
    });
    const status = opts.skipStatus ? decodeStatus(new Uint8Array()) : await queryStatus(socket, opts.statusTimeoutMs ?? 800);
    if (status.coverOpen) throw new PrinterError(`The printer at ${where} has its cover open: close it and print again`);
    if (status.paperOut) throw new PrinterError(`The printer at ${where} is out of paper: put in a new roll and print again`);
    if (status.error) throw new PrinterError(`The printer at ${where} reports an error (a paper jam or the cutter): switch it off and on, then print again`);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.end(data, () => resolve());
      }),
      opts.writeTimeoutMs ?? 10_000,
      () => new PrinterError(`The printer at ${where} stopped taking the receipt: check its paper and cable, then print again`),
    ).catch((err: unknown) => {
      throw err instanceof PrinterError ? err : new PrinterError(`The printer at ${where} dropped the connection while printing (${codeOf(err)}): print again`);
    });
    return { bytes: data.length, status };
  } finally {
    socket.destroy();
  }
}

/** Sends DLE EOT 2 and DLE EOT 4 and waits briefly for their two answer bytes. */
async function queryStatus(socket: Socket, timeoutMs: number): Promise<PrinterStatus> {
  const got: number[] = [];
  let onData: ((chunk: Buffer) => void) | undefined;
  const answered = new Promise<void>((resolve) => {
    onData = (chunk: Buffer) => {
      got.push(...chunk);
      if (got.length >= 2) resolve();
    };
    socket.on('data', onData);
  });
  socket.write(STATUS_QUERY);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([answered, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  if (onData) socket.off('data', onData);
  return decodeStatus(Uint8Array.from(got.slice(0, 2)));
}

function connectError(err: unknown, where: string): PrinterError {
  const code = codeOf(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new PrinterError(`The printer at ${where} refused the connection: check the address and port (usually 9100) in the printer settings`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new PrinterError(`The printer at ${where} cannot be reached: check that it is switched on and on this network`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new PrinterError(`No printer is known by the name ${where.split(':')[0]}: use its IP address in the printer settings`);
    default:
      return new PrinterError(`Could not connect to the printer at ${where} (${code})`);
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]).finally(() => clearTimeout(timer));
}
