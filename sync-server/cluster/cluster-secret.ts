import { randomBytes } from 'node:crypto';
import { ConditionFailedError, type RecordSpace } from '../storage/store.ts';

/**
 * The secret the processes of a cluster sign their forwards with (forward.ts, `x-popup-forward-auth`), kept
 * in the shared store's server-wide records: every process that can reach the database is a peer, and
 * nothing else needs configuring. The first process to start makes it (a commit that expects it absent:
 * of two starting at once exactly one wins, store.ts), every other reads it.
 */
const NS = 'cluster';
const KEY = 'forward-secret';

export async function clusterSecret(records: RecordSpace): Promise<Buffer> {
  const found = await records.get<string>(NS, KEY);
  if (found !== undefined) return decode(found);
  const made = randomBytes(32).toString('base64');
  try {
    await records.commit({ put: [{ ns: NS, key: KEY, value: made }], expect: [{ ns: NS, key: KEY, equals: undefined }] });
    return decode(made);
  } catch (err) {
    if (!(err instanceof ConditionFailedError)) throw err;
    const won = await records.get<string>(NS, KEY);
    if (won === undefined) throw new Error('the cluster secret was claimed by another process but cannot be read', { cause: err });
    return decode(won);
  }
}

function decode(stored: string): Buffer {
  const b = Buffer.from(stored, 'base64');
  if (b.length < 32) throw new RangeError(`the cluster secret in the store (${NS}/${KEY}) is ${b.length} bytes; at least 32 are needed`);
  return b;
}
