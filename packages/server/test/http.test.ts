import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { guestToken, startServer, tempDataDir } from './support/server.js';

const statics = tempDataDir();
writeFileSync(join(statics.dir, 'index.html'), '<!doctype html><title>demo</title>');
for (const name of ['worker.mjs', 'engine.wasm', 'photo.webp', 'photo.jpg', 'notes.txt'])
  writeFileSync(join(statics.dir, name), 'x');
writeFileSync(join(statics.dir, 'big.js'), `console.log(${JSON.stringify('tandem '.repeat(4000))});`);
afterAll(() => statics.remove());

let server: TandemServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('static files', () => {
  it('serves index.html for client-side routes', async () => {
    server = await startServer({ staticDir: statics.dir });
    const res = await fetch(`${server.url}/some/route`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>demo</title>');
  });

  it.skipIf(process.platform !== 'linux')(
    'survives a file that fails while being read (an unhandled stream error used to crash the process)',
    async () => {
      // stat() calls it a regular file and open() succeeds, but every read fails with EIO: the same
      // path an unreadable or vanishing file takes.
      symlinkSync('/proc/self/mem', join(statics.dir, 'broken.js'));
      server = await startServer({ staticDir: statics.dir });
      await fetch(`${server.url}/broken.js`)
        .then((res) => res.arrayBuffer())
        .catch(() => undefined);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    },
  );

  it('names each common web format, revalidates with ETags, and compresses what compresses', async () => {
    server = await startServer({ staticDir: statics.dir });
    const types: Record<string, RegExp> = {
      'worker.mjs': /javascript/,
      'engine.wasm': /^application\/wasm/,
      'photo.webp': /^image\/webp/,
      'photo.jpg': /^image\/jpeg/,
      'notes.txt': /^text\/plain/,
    };
    for (const [name, type] of Object.entries(types)) {
      expect((await fetch(`${server.url}/${name}`)).headers.get('content-type')).toMatch(type);
    }
    const first = await fetch(`${server.url}/big.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(await first.text()).toContain('tandem tandem');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    // With a validator, fetch would mark the request no-cache (as a browser's reload does) unless
    // the request says otherwise: a browser revalidating its cache sends max-age=0.
    const again = await fetch(`${server.url}/big.js`, {
      headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    // The page itself is revalidated every time; a path that names a missing file is a 404.
    expect((await fetch(`${server.url}/`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
  });

  it('answers a malformed percent-encoding with 404, not an internal error', async () => {
    server = await startServer({ staticDir: statics.dir });
    expect((await fetch(`${server.url}/%E0%A4%A.js`)).status).toBe(404);
    const { token } = await guestToken(server, 'Ada');
    const lookup = await fetch(`${server.url}/sessions/%E0%A4%A`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(lookup.status).toBe(404);
  });
});
