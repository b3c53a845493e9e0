import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { guestToken, startServer, tempDataDir } from './support/server.js';

const statics = tempDataDir();
writeFileSync(join(statics.dir, 'index.html'), '<!doctype html><title>demo</title>');
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
