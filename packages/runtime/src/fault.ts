/**
 * Fault injection for the crash tests: when FAULT_CRASH_AT names this point, the process
 * dies here at once, as a power cut would, without running a handler. In production the
 * variable is unset and this is a comparison.
 */
export async function crashAt<Point extends string>(point: Point, configured: Point | undefined): Promise<void> {
  if (configured !== point) return;
  process.kill(process.pid, 'SIGKILL');
  await new Promise<never>(() => {});
}
