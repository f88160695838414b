import { main } from './order-endpoint.ts';

// The entry esbuild bundles (bench/orders.bench.ts): the endpoint's process, its options as one JSON argument.
await main(process.argv[2] ?? '{}');
