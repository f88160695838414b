import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * Shared by the sync server and the till's sync client, written on lib0 alone so the core can hold it.
 * The y-websocket wire protocol (as y-websocket and @y/websocket-server speak it): each message is a
 * varUint type followed by its payload. Types 0–3 are the standard ones, so a stock WebsocketProvider
 * interoperates. Type 100 is ours: the server's state vector after an update was made durable, sent only to
 * clients that ask for it (`?ack=1`), so a till knows which of its changes the server holds. Type 101 is ours
 * too: "send me everything you hold that I lack", sent only to clients that resend their own changes alone
 * (`&resend=own`) while a damaged document is rebuilt from the tills' copies (docs/sync-protocol.md).
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** Popup POS extension: durable acknowledgement (payload: encoded state vector). */
  Ack: 100,
  /** Popup POS extension: resend everything, not only your own changes (payload: encoded state vector). */
  ResendAll: 101,
  /** Popup POS extension, multiplexed connections only: this document was closed (payload: code, reason). */
  DocClosed: 102,
} as const;

/** Sub-types of a sync message (y-protocols/sync). */
export const SyncStep = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const;

/** The one auth sub-type (y-protocols/auth): permission denied, followed by the reason. */
const PERMISSION_DENIED = 0;

export function syncStep1(stateVector: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  encoding.writeVarUint(e, SyncStep.Step1);
  encoding.writeVarUint8Array(e, stateVector);
  return encoding.toUint8Array(e);
}

export function syncStep2(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  encoding.writeVarUint(e, SyncStep.Step2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function syncUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Sync);
  encoding.writeVarUint(e, SyncStep.Update);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function awarenessMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Awareness);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function permissionDenied(reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.Auth);
  encoding.writeVarUint(e, PERMISSION_DENIED);
  encoding.writeVarString(e, reason);
  return encoding.toUint8Array(e);
}

/** One of our state-vector messages (ack, resend all): the type, then the encoded state vector. */
function stateVectorMessage(type: number, stateVector: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, stateVector);
  return encoding.toUint8Array(e);
}

export function ackMessage(stateVector: Uint8Array): Uint8Array {
  return stateVectorMessage(MessageType.Ack, stateVector);
}

export function resendAllMessage(stateVector: Uint8Array): Uint8Array {
  return stateVectorMessage(MessageType.ResendAll, stateVector);
}

export function docClosedMessage(code: number, reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MessageType.DocClosed);
  encoding.writeVarUint(e, code);
  encoding.writeVarString(e, reason);
  return encoding.toUint8Array(e);
}

/**
 * A multiplexed connection (`/sync-multi`) carries many documents: each frame is the document's name
 * followed by one message of the protocol above, as it would travel on that document's own connection.
 */
export function muxFrame(docName: string, message: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, docName);
  encoding.writeUint8Array(e, message);
  return encoding.toUint8Array(e);
}

/** Splits a multiplexed frame; throws on one that does not start with a document name. */
export function decodeMuxFrame(data: Uint8Array): { docName: string; message: Uint8Array } {
  const d = decoding.createDecoder(data);
  const docName = decoding.readVarString(d);
  return { docName, message: data.subarray(d.pos) };
}

export type Incoming =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'update'; update: Uint8Array; step2: boolean }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' }
  | { type: 'auth'; denied?: string }
  | { type: 'ack'; stateVector: Uint8Array }
  | { type: 'resend-all'; stateVector: Uint8Array }
  | { type: 'doc-closed'; code: number; reason: string };

/** Decodes one message; throws on anything that is not the protocol (the caller closes the connection). */
export function decodeMessage(data: Uint8Array): Incoming {
  const d = decoding.createDecoder(data);
  const type = decoding.readVarUint(d);
  let out: Incoming;
  switch (type) {
    case MessageType.Sync: {
      const step = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      if (step === SyncStep.Step1) out = { type: 'sync-step1', stateVector: payload };
      else if (step === SyncStep.Step2 || step === SyncStep.Update) out = { type: 'update', update: payload, step2: step === SyncStep.Step2 };
      else throw new Error(`unknown sync step ${step}`);
      break;
    }
    case MessageType.Awareness:
      out = { type: 'awareness', update: decoding.readVarUint8Array(d) };
      break;
    case MessageType.QueryAwareness:
      out = { type: 'query-awareness' };
      break;
    case MessageType.Auth: {
      const sub = decoding.readVarUint(d);
      return sub === PERMISSION_DENIED ? { type: 'auth', denied: decoding.readVarString(d) } : { type: 'auth' };
    }
    case MessageType.Ack:
      out = { type: 'ack', stateVector: decoding.readVarUint8Array(d) };
      break;
    case MessageType.ResendAll:
      out = { type: 'resend-all', stateVector: decoding.readVarUint8Array(d) };
      break;
    case MessageType.DocClosed:
      out = { type: 'doc-closed', code: decoding.readVarUint(d), reason: decoding.readVarString(d) };
      break;
    default:
      throw new Error(`unknown message type ${type}`);
  }
  if (decoding.hasContent(d)) throw new Error('trailing bytes after the message');
  return out;
}
