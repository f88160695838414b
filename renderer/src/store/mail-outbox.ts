import Dexie, { type EntityTable } from 'dexie';

/**
 * E-mail receipts waiting to be sent by the server, in their own small IndexedDB database next to the
 * till's (`<dbName>-mail`). Apart because what it holds is personal data with a short life: an address is
 * kept only until the server has sent the receipt or refused it for good, then the row (and the address)
 * is deleted; and a database of its own never needs a version step of the till's main schema.
 */
export interface QueuedReceipt {
  /** The checkout: one receipt, one e-mail at most (the server keys on it too). */
  checkoutId: string;
  receiptNumber: string;
  /** Each brand's part of the receipt, as the server finds them. */
  sales: { brandId: string; saleId: string }[];
  /** Empty once the receipt was refused for good: the address is not kept past its use. */
  to: string;
  queuedAt: number;
  state: 'queued' | 'failed';
  /** Why it failed, in the server's words (`InvalidEmailAddressError: …`). */
  error?: string;
  attempts: number;
}

class MailDatabase extends Dexie {
  receipts!: EntityTable<QueuedReceipt, 'checkoutId'>;

  constructor(name: string, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores({ receipts: 'checkoutId, state, queuedAt' });
  }
}

export class MailOutbox {
  private constructor(private readonly db: MailDatabase) {}

  static async open(opts: { dbName: string; indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange }): Promise<MailOutbox> {
    const db = new MailDatabase(`${opts.dbName}-mail`, opts.indexedDB ? { indexedDB: opts.indexedDB, IDBKeyRange: opts.IDBKeyRange! } : undefined);
    await db.open();
    return new MailOutbox(db);
  }

  /** Queues a receipt; a receipt queued again (another address typed) replaces the queued one. */
  async enqueue(r: Omit<QueuedReceipt, 'state' | 'attempts' | 'error'>): Promise<void> {
    await this.db.receipts.put({ ...r, state: 'queued', attempts: 0 });
  }

  queued(): Promise<QueuedReceipt[]> {
    return this.db.receipts.where('state').equals('queued').sortBy('queuedAt');
  }

  all(): Promise<QueuedReceipt[]> {
    return this.db.receipts.orderBy('queuedAt').toArray();
  }

  /** Sent (or already sent): nothing of it is kept. */
  async done(checkoutId: string): Promise<void> {
    await this.db.receipts.delete(checkoutId);
  }

  async attempted(checkoutId: string): Promise<void> {
    await this.db.receipts.where('checkoutId').equals(checkoutId).modify((r) => void (r.attempts += 1));
  }

  /** Refused for good: the reason is kept for the cashier to see, the address is not. */
  async failed(checkoutId: string, error: string): Promise<void> {
    await this.db.receipts.update(checkoutId, { state: 'failed', error, to: '' });
  }

  close(): void {
    this.db.close();
  }
}
