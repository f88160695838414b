import { parentChannel, serveHub } from './hub-child.ts';

/**
 * Entry point of the LAN hub's process (bundled to dist-electron/hub.cjs for the app's utility process; run
 * with tsx by the tests). It serves its parent until told to stop, and flushes the store to disk before it
 * exits, whether the parent stops it, kills it politely or goes away.
 */
const host = serveHub(parentChannel());
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void host.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// Node child process: the parent closed the IPC channel (it exited or crashed).
process.on('disconnect', shutdown);
