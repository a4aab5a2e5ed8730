/** Whether `probe` settles successfully within `ms` (a readiness check must not hang). */
export async function answersWithin(probe: Promise<unknown>, ms = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([probe.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
