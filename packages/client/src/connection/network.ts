/** The part of a browser window that reports the network: `online` and `offline` events. */
export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/** The page's window where there is one (browsers); undefined in Node and workers without one. */
function pageWindow(): NetworkEvents | undefined {
  const w = (globalThis as { window?: Partial<NetworkEvents> }).window;
  return typeof w?.addEventListener === 'function' ? (w as NetworkEvents) : undefined;
}

/**
 * Reports the browser going offline and coming back online; returns the detach, or undefined
 * where there is nothing to watch.
 */
export function watchNetwork(
  onChange: (online: boolean) => void,
  target: NetworkEvents | undefined = pageWindow(),
): (() => void) | undefined {
  if (!target) return undefined;
  const online = () => onChange(true);
  const offline = () => onChange(false);
  target.addEventListener('online', online);
  target.addEventListener('offline', offline);
  return () => {
    target.removeEventListener('online', online);
    target.removeEventListener('offline', offline);
  };
}

/** True only when the platform says for sure there is no network (`navigator.onLine === false`). */
export function knownOffline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;
}
