import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT } from 'jose';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../client/src/index.js';
import { nodeClient, reach, until } from '../../client/test/support/clients.js';
import { type TandemAttachConfig, TandemServer } from '../src/index.js';

/** An Express app with a route of its own, on its own `http.Server`, listening on 127.0.0.1. */
async function appServer(): Promise<{ http: Server; url: string }> {
  const app = express();
  app.get('/hello', (_req, res) => {
    res.json({ from: 'app' });
  });
  const http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

const open: { tandem?: TandemServer; http?: Server; rooms: RoomConnection[] } = { rooms: [] };
afterEach(async () => {
  for (const room of open.rooms.splice(0)) room.leave();
  await open.tandem?.close();
  const http = open.http;
  if (http?.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
  open.tandem = undefined;
  open.http = undefined;
});

async function attached(config: TandemAttachConfig = {}) {
  const app = await appServer();
  open.http = app.http;
  const tandem = await TandemServer.attach(app.http, {
    data: ':memory:',
    logger: pino({ level: 'silent' }),
    ...config,
  });
  open.tandem = tandem;
  return { ...app, tandem };
}

/** A host's session and a guest who joined it by code, both through `url`. */
async function hostAndGuest(url: string) {
  const hostClient = nodeClient(url, { guest: 'Ada' });
  const hosted = await hostClient.host({ policy: 'open', docMode: 'lww' });
  const host = hostClient.join({ roomId: hosted.roomId });
  open.rooms.push(host);
  await reach(host, 'connected');
  const guest = nodeClient(url, { guest: 'Bob' }).join({ code: hosted.joinCode });
  open.rooms.push(guest);
  await reach(guest, 'connected');
  return { hosted, host, guest };
}

describe('TandemServer.attach', () => {
  it('serves rooms under a path of an Express app, whose own routes still answer', async () => {
    const { url, tandem } = await attached({ path: '/tandem' });
    expect(tandem.url).toBe(`${url}/tandem`);
    const { hosted, host, guest } = await hostAndGuest(tandem.url);
    expect(hosted.inviteUrl.startsWith(`${url}/tandem`)).toBe(true);
    await guest.lww.set({ title: 'from Bob' });
    await until(host, 'activity', () => host.lww.json<{ title: string }>()?.title === 'from Bob');
    expect(await (await fetch(`${url}/hello`)).json()).toEqual({ from: 'app' });
    expect((await fetch(`${url}/tandem/healthz`)).status).toBe(200);
    // Tandem's paths outside its mount are the app's.
    expect((await fetch(`${url}/healthz`)).status).toBe(404);
  });

  it('serves its own paths at the root and leaves the rest to the app', async () => {
    const { url, tandem } = await attached();
    expect(tandem.url).toBe(url);
    const { host, guest } = await hostAndGuest(url);
    await host.lww.set({ title: 'from Ada' });
    await until(guest, 'activity', () => guest.lww.json<{ title: string }>()?.title === 'from Ada');
    expect(await (await fetch(`${url}/hello`)).json()).toEqual({ from: 'app' });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("runs the app's own documents as the guide shows: claims in its tokens, readers, the backend's calls", async () => {
    const secret = 'the-app-signs-its-users-tokens-with-this';
    const serviceKey = 'the-app-backend-key-0123456789abcdefgh';
    const { url, tandem } = await attached({ path: '/tandem', jwtSecret: secret, guests: false, serviceKey });
    const sign = (sub: string, access: 'read' | 'write') =>
      new SignJWT({ name: sub, tandem: { rooms: { 'lesson-*': access } } })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
    const teacherToken = await sign('teacher', 'write');
    const teacher = nodeClient(tandem.url, () => teacherToken);
    await teacher.createRoom('lesson-7', {
      mode: 'lww',
      initial: new TextEncoder().encode('{"title":"Draft"}'),
    });
    const writer = teacher.room('lesson-7', { mode: 'lww' });
    const studentToken = await sign('student', 'read');
    const reader = nodeClient(tandem.url, () => studentToken).room('lesson-7');
    open.rooms.push(writer, reader);
    await Promise.all([reach(writer, 'connected'), reach(reader, 'connected')]);
    expect(reader.readOnly).toBe(true);
    expect(reader.lww.json<{ title: string }>()?.title).toBe('Draft');

    await writer.lww.set({ title: 'Fractions' });
    await until(reader, 'activity', () => reader.lww.json<{ title: string }>()?.title === 'Fractions');
    await expect(reader.lww.set({ title: 'by a student' })).rejects.toMatchObject({ codeName: 'Forbidden' });

    // The app's backend, through the app's port: reads the document and replaces it for everyone.
    const auth = { authorization: `Bearer ${serviceKey}` };
    const read = await (await fetch(`${url}/tandem/docs/lesson-7/document`, { headers: auth })).json();
    expect(JSON.parse(Buffer.from(read.document, 'base64').toString())).toEqual({ title: 'Fractions' });
    const replaced = await fetch(`${url}/tandem/docs/lesson-7/document`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        mode: 'lww',
        document: Buffer.from('{"title":"Published"}').toString('base64'),
      }),
    });
    expect(replaced.status).toBe(200);
    await until(writer, 'activity', () => writer.lww.json<{ title: string }>()?.title === 'Published');
    // A user's token is no service key.
    expect(
      (
        await fetch(`${url}/tandem/docs/lesson-7/document`, {
          headers: { authorization: `Bearer ${teacherToken}` },
        })
      ).status,
    ).toBe(401);
  });

  it('close() tells clients to reconnect and leaves the app server running', async () => {
    const { http, url, tandem } = await attached({ path: '/tandem' });
    const { host } = await hostAndGuest(tandem.url);
    await host.lww.set({ title: 'kept' });
    const away = until(host, 'status', () => host.status !== 'connected');
    await tandem.close();
    await away;
    expect(http.listening).toBe(true);
    expect(await (await fetch(`${url}/hello`)).json()).toEqual({ from: 'app' });
    // Tandem's listeners are gone: its paths are the app's again.
    expect((await fetch(`${url}/tandem/healthz`)).status).toBe(404);
  });

  it('hands other upgrades to the app, and destroys them when it has no upgrade listener', async () => {
    const { url } = await attached({ path: '/tandem' });
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${url.replace('http', 'ws')}/elsewhere`);
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('error'));
    });
    expect(outcome).toBe('error');
  });

  it('refuses an option it does not know, naming the new name of a former one', async () => {
    const app = await appServer();
    open.http = app.http;
    const attach = (config: Record<string, unknown>) => TandemServer.attach(app.http, config);
    await expect(attach({ lockTtl: 5 })).rejects.toThrow('option lockTtl is now lockTtlSeconds');
    await expect(attach({ lockTTLSeconds: 5 })).rejects.toThrow('unknown option lockTTLSeconds');
    expect(app.http.listeners('request')).toHaveLength(1);
  });

  it('refuses a mount path that is not a path', async () => {
    const app = await appServer();
    open.http = app.http;
    await expect(TandemServer.attach(app.http, { path: '/a b', data: ':memory:' })).rejects.toThrow(
      /not a URL path/,
    );
  });
});
