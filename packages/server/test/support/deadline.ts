/**
 * `promise`, or a rejection saying `what` did not happen within `ms`: for outcomes a test requires
 * within a bound (a lease, a heartbeat), so a regression fails with its name rather than hanging.
 */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
