import { createStore, get, set } from 'idb-keyval';
import { useEffect, useSyncExternalStore } from 'react';

// Images live on this device only: in IndexedDB, keyed by the SHA-256 of their bytes, so the same
// file opened twice (or brought by a project file) is one entry, and a layer naming a hash finds
// it after a reload. Drawing uses an object URL made once per image.

/** Where an image stands on this device. */
export type LocalImage =
  | { status: 'loading' }
  | { status: 'missing' }
  | { status: 'here'; url: string; blob: Blob };

const LOADING: LocalImage = { status: 'loading' };
const MISSING: LocalImage = { status: 'missing' };

let idb: ReturnType<typeof createStore> | undefined;
/** Opened on first use: pages that never touch an image never open the database. */
function database(): ReturnType<typeof createStore> {
  idb ??= createStore('tandem-images', 'by-hash');
  return idb;
}

const images = new Map<string, LocalImage>();
const listeners = new Set<() => void>();

function put(hash: string, image: LocalImage): void {
  images.set(hash, image);
  for (const listener of listeners) listener();
}

function here(blob: Blob): LocalImage {
  return { status: 'here', url: URL.createObjectURL(blob), blob };
}

/** Looks the image up in IndexedDB, once per hash per page. */
function request(hash: string): void {
  if (images.has(hash)) return;
  images.set(hash, LOADING);
  // The image may have been opened or imported while the lookup ran: that is kept.
  const settle = (image: () => LocalImage) => {
    if (images.get(hash) === LOADING) put(hash, image());
  };
  get<Blob>(hash, database()).then(
    (blob) => settle(() => (blob instanceof Blob ? here(blob) : MISSING)),
    // No IndexedDB (a private window may refuse it): only what is opened in this page is here.
    () => settle(() => MISSING),
  );
}

/**
 * Keeps an image on this device under its hash (which the caller computed from `blob`'s bytes).
 * It shows at once in this page; storing it for later pages is best effort.
 */
export async function keepImage(hash: string, blob: Blob): Promise<void> {
  const known = images.get(hash);
  if (known?.status !== 'here') put(hash, here(blob));
  await set(hash, blob, database()).catch(() => undefined);
}

/** The image with this hash if it is on this device. */
export async function localImage(hash: string): Promise<Blob | undefined> {
  const known = images.get(hash);
  if (known?.status === 'here') return known.blob;
  const blob = await get<Blob>(hash, database()).catch(() => undefined);
  return blob instanceof Blob ? blob : undefined;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Where the image with this hash stands on this device; re-renders when it arrives. */
export function useLocalImage(hash: string): LocalImage {
  useEffect(() => request(hash), [hash]);
  return useSyncExternalStore(subscribe, () => images.get(hash) ?? LOADING);
}

/** Which of these hashes are known to be missing here (for the strip above the canvas). */
export function useMissingImages(hashes: readonly string[]): Set<string> {
  const key = hashes.join();
  useEffect(() => {
    for (const hash of key ? key.split(',') : []) request(hash);
  }, [key]);
  const missing = useSyncExternalStore(subscribe, () =>
    hashes.filter((hash) => images.get(hash)?.status === 'missing').join(),
  );
  return new Set(missing ? missing.split(',') : []);
}
