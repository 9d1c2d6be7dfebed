/**
 * Imported by every process that start.ts runs (preloaded with --import into the auth server):
 * when start.ts goes away, even killed with SIGKILL, the IPC channel it opened closes, and the
 * process stops as if sent SIGTERM, so nothing outlives the example.
 */
if (process.channel) {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
