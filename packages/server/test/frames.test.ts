import { afterEach, describe, expect, it } from 'vitest';
import type { TandemServer } from '../src/server.js';
import { hostSession, joinAs, startServer } from './support/server.js';

let server: TandemServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Bytes that differ at every position, so a frame cut or shifted anywhere compares unequal. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe('frames out', () => {
  // Each size crosses a boundary of the frame header (7-bit, 16-bit and 64-bit lengths) or of the
  // writer's copy-behind-the-header limit; interleaved cursors check that frames never reorder.
  it('delivers payloads of every header size intact and in order', async () => {
    server = await startServer({ docRate: 100_000, cursorRate: 100_000 });
    const { host, session } = await hostSession(server, { policy: 'open' });
    const reader = await joinAs(server, session.roomId, 'Reader');
    const sizes = [0, 1, 100, 125, 126, 1000, 4070, 4090, 16 * 1024, 65_535, 65_536, 300_000];
    sizes.forEach((size, i) => {
      host.send({ type: 'lwwSet', rid: i + 1, resource: '', doc: pattern(size, i) });
      host.send({ type: 'cursor2d', x: i, y: size });
    });
    await reader.next('lwwDoc', (d) => d.version === sizes.length);
    const docs = reader.of('lwwDoc').filter((d) => d.version > 0);
    expect(docs.map((d) => d.doc.length)).toEqual(sizes);
    expect(docs.map((d, i) => Buffer.compare(d.doc, pattern(sizes[i]!, i)))).toEqual(sizes.map(() => 0));
    const last = await reader.next('peerCursor2d', (c) => c.y === 300_000);
    expect(last.x).toBe(sizes.length - 1);
  });
});
