import { MemoryStore } from './memory-store.ts';
import { storeContract } from './store-contract.ts';

// No `reopen`: a memory store is not durable, so the durability case is skipped for it.
storeContract('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} }), { durable: false });
