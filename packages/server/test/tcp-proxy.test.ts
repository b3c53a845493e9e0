import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, skipRedis } from './support/redis.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** A raw connection through the proxy. */
async function open(proxy: TcpProxy): Promise<Socket> {
  const socket = connect(proxy.port, '127.0.0.1');
  socket.on('error', () => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** Redis's answer to PING over `socket`. */
async function ping(socket: Socket): Promise<string> {
  socket.write('PING\r\n');
  const [data] = (await once(socket, 'data')) as [Buffer];
  return data.toString();
}

describe.skipIf(skipRedis)('the test TCP proxy', () => {
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  async function start(): Promise<TcpProxy> {
    const proxy = await TcpProxy.start(REDIS_URL);
    proxies.push(proxy);
    return proxy;
  }

  it('carries traffic, cuts every connection, refuses new ones while cut, and lets them through again', async () => {
    const proxy = await start();
    expect(new URL(proxy.url).port).toBe(String(proxy.port));
    const first = await open(proxy);
    expect(await ping(first)).toBe('+PONG\r\n');
    expect(proxy.connections).toBe(1);

    proxy.cut();
    await once(first, 'close');
    const refused = await open(proxy);
    await once(refused, 'close');
    expect([proxy.refused, proxy.connections, proxy.isCut]).toEqual([1, 0, true]);

    proxy.restore();
    expect(await ping(await open(proxy))).toBe('+PONG\r\n');
  });

  it('holds connections made while cut and connects them through once restored', async () => {
    const proxy = await start();
    proxy.cut('hold');
    const held = await open(proxy);
    const answer = ping(held);
    expect(proxy.connections).toBe(1);
    proxy.restore();
    expect(await answer).toBe('+PONG\r\n');
  });

  it('black-holes live connections without closing them, and delivers what waited once restored', async () => {
    const proxy = await start();
    const live = await open(proxy);
    expect(await ping(live)).toBe('+PONG\r\n');
    proxy.blackHole();
    const waited = ping(live);
    const held = await open(proxy);
    const heldAnswer = ping(held);
    expect([proxy.connections, proxy.isCut, live.destroyed]).toEqual([2, true, false]);
    proxy.restore();
    expect(await waited).toBe('+PONG\r\n');
    expect(await heldAnswer).toBe('+PONG\r\n');
    expect(await ping(live)).toBe('+PONG\r\n');
  });
});
