/** A map of event names to listener argument tuples. */
export type EventMap = Record<string, unknown[]>;

/**
 * A small typed event emitter. `on` returns its own unsubscribe function, which is what React
 * effects and most app code want. A throwing listener never stops the others.
 */
export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(...args: unknown[]) => void>>();

  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as unknown as (...args: unknown[]) => void);
    return () => {
      set.delete(listener as unknown as (...args: unknown[]) => void);
    };
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
