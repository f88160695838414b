import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './http-server.ts';

/**
 * `npm run serve -- --port 8787 --host 127.0.0.1`: serves the till on this machine (or the venue's LAN with
 * --host 0.0.0.0). `npm start` builds the till first and runs this with --demo, which prints how to open the
 * demo till.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    demo: { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${values.port}"`);
  process.exit(2);
}
const appDir = fileURLToPath(new URL('../renderer/dist', import.meta.url));
const running = await startServer({ host: values.host, port, appDir });
console.log(`Popup POS is serving the till at ${running.url}/`);
if (values.demo) console.log('Open it in a browser and choose "Start stand-alone with the demo event".');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void running.close().then(() => process.exit(0));
  });
}
