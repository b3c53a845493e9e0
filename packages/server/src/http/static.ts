import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve } from 'node:path';
import compression from 'compression';
import serveStatic from 'serve-static';

/** Serves one request, resolving true when it was answered (false: no such file). */
export type StaticFiles = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Static files under `root` (the demo editor, or an app's own build): content types for every
 * common web format, ETag and Last-Modified with 304s, ranges, and compression of compressible
 * responses, from `serve-static` and `compression`. Paths without an extension that match no file
 * get index.html, so client-side routes like `/?join=CODE` or `/lesson/42` work; index.html is
 * never cached without revalidation, hashed build assets are cached for a year.
 *
 * @throws Error when `root` is not a directory holding an index.html: a typo in `--static-dir`
 *   should stop the server, not leave it serving 404s.
 */
export function staticFiles(root: string): StaticFiles {
  const base = resolve(root);
  if (!existsSync(base) || !statSync(base).isDirectory()) {
    throw new Error(`static directory ${base} does not exist (--static-dir / TANDEM_STATIC_DIR)`);
  }
  if (!existsSync(join(base, 'index.html'))) {
    throw new Error(`static directory ${base} has no index.html (build the app into it first)`);
  }
  const files = serveStatic(base, {
    index: ['index.html'],
    dotfiles: 'ignore',
    setHeaders(res, path) {
      // Vite names its build assets by content hash: a new build is a new name.
      const hashed = /[\\/]assets[\\/]/.test(path);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const compress = compression();
  const serve = (req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
    new Promise((done, fail) => {
      compress(req as never, res as never, (error?: unknown) => {
        if (error) return fail(error);
        files(req, res, (err?: unknown) => (err ? fail(err) : done(false)));
        res.once('finish', () => done(true));
        res.once('close', () => done(true));
      });
    });
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return false; // malformed percent-encoding: no such file
    }
    if (await serve(req, res)) return true;
    if (extname(pathname) !== '' || res.headersSent) return false;
    req.url = '/index.html';
    return serve(req, res);
  };
}
