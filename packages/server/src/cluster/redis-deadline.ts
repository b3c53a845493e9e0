/**
 * `work`, or a rejection once `ms` have passed without it settling: what the cluster waits on
 * Redis for while stopping, since a connection that neither answers nor closes must not hold a
 * shutdown for ever.
 */
export function withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
