/**
 * Fault injection for the crash tests: the process dies here at once, as a power cut
 * would, without running a handler. Only ever reached when a test set FAULT_CRASH_AT.
 */
export async function crashNow(): Promise<never> {
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => {});
}
