import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Tandem's side of a shared `http.Server`: which requests are its, and how it answers them. */
export interface TandemHandlers {
  /** Whether a request or upgrade for `path` (query string excluded) is Tandem's. */
  owns(path: string): boolean;
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Puts Tandem in front of an app's `http.Server` for Tandem's paths only. The app's `request` and
 * `upgrade` listeners present now are taken off and called by one dispatcher for every other path,
 * so a Tandem request never also reaches the app (an Express app would answer it 404 as well).
 * With no upgrade listener of the app's, other upgrades are destroyed, as Node does then.
 * Returns what puts the app's listeners back.
 */
export function mount(server: Server, tandem: TandemHandlers): () => void {
  const appRequests = server.listeners('request') as RequestListener[];
  const appUpgrades = server.listeners('upgrade') as UpgradeListener[];
  const onRequest: RequestListener = (req, res) => {
    if (tandem.owns(pathOf(req))) return tandem.request(req, res);
    for (const listener of appRequests) listener.call(server, req, res);
  };
  const onUpgrade: UpgradeListener = (req, socket, head) => {
    if (tandem.owns(pathOf(req))) return tandem.upgrade(req, socket, head);
    if (appUpgrades.length === 0) return void socket.destroy();
    for (const listener of appUpgrades) listener.call(server, req, socket, head);
  };
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('request', onRequest);
    server.off('upgrade', onUpgrade);
    for (const listener of appRequests) server.on('request', listener);
    for (const listener of appUpgrades) server.on('upgrade', listener);
  };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/**
 * Which paths are Tandem's under `prefix` (`''`: at the root, next to the app's own): everything
 * below a prefix; at the root, only its API and connection paths. `strip` turns a request's URL into
 * the one Tandem routes on.
 */
export function tandemPaths(
  prefix: string,
  isTandemPath: (path: string) => boolean,
): { owns: (path: string) => boolean; strip: (req: IncomingMessage) => void } {
  if (prefix === '') return { owns: isTandemPath, strip: () => undefined };
  return {
    owns: (path) => path === prefix || path.startsWith(`${prefix}/`),
    strip: (req) => {
      req.url = (req.url ?? '/').slice(prefix.length) || '/';
      if (req.url.startsWith('?')) req.url = `/${req.url}`;
    },
  };
}

/** A mount prefix as given (`/tandem`, `tandem/`, `''`), normalised; throws on one that is not a path. */
export function normalisePrefix(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(withSlash)) {
    throw new TypeError(`path "${path}" is not a URL path of letters, digits, . _ ~ - and /`);
  }
  return withSlash;
}
