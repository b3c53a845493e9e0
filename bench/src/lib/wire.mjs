// The peers' wire protocols, spoken from lightweight clients in a load generator: HTTP helpers and
// Tandem's join for Tandem, y-protocols sync messages for Hocuspocus and y-websocket.
import { createHmac } from 'node:crypto';
import { decode, encode, PROTOCOL_VERSION, Reader, tagOf } from '@tandem/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';

/** POST JSON to the server under test; resolves with the body of a 201, throws on anything else. */
export async function postJson(base, path, body, token) {
  const res = await fetch(`http://${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Opens a socket with its message handler attached at once (a first frame can arrive with the upgrade). */
export function openWs(url, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.on('message', onMessage);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A guest token for a new participant. */
export async function guest(base, name) {
  return (await postJson(base, '/auth/guest', { name })).token;
}

/** A new Tandem session (an `open` room, so joiners skip the waiting room) and its host's token. */
export async function tandemSession(base, docMode = 'lww') {
  const hostToken = await guest(base, 'Host');
  const session = await postJson(base, '/sessions', { policy: 'open', docMode }, hostToken);
  return { roomId: session.roomId, hostToken };
}

/**
 * Joins a Tandem room: opens the socket, says hello, and resolves with the socket once admitted.
 * `onMessage(message, bytes, ws)` sees every decoded frame from the first one on.
 */
export async function tandemJoin(base, roomId, token, onMessage = () => {}) {
  let admitted;
  let refused;
  const ready = new Promise((resolve, reject) => {
    admitted = resolve;
    refused = reject;
  });
  // Frames arrive only after 'open', whose promise continuation has assigned `ws` by then.
  const ws = await openWs(`ws://${base}/rooms/${roomId}?token=${encodeURIComponent(token)}`, (data) => {
    const m = peekLwwDoc(data) ?? decode(new Uint8Array(data.buffer, data.byteOffset, data.length));
    if (m.type === 'admission' && m.state === 'admitted') admitted();
    else if (m.type === 'error' && m.rid === 0) refused(new Error(`tandem error ${m.code}: ${m.message}`));
    onMessage(m, data, ws);
  });
  ws.send(encode({ type: 'hello', version: PROTOCOL_VERSION, clientId: '', name: '', since: 0 }));
  await ready;
  return ws;
}

/**
 * An HS256 JWT for a server started with `--jwt-secret <secret>`, minted here: thousands of
 * participants cost no sign-in request each. `claims` needs `sub`; it expires in an hour.
 */
export function hs256Token(secret, claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/**
 * A Tandem participant, admitted: `send(message)`, `until(match, what)` (resolves with the first
 * frame from now on that `match`es, or rejects after `timeoutMs` naming `what`), and `leave()` (a
 * clean close, resolved once the server has closed too). Register `until` before the send that
 * causes the frame. `onMessage(message, client)` sees every frame first.
 */
export async function tandemClient(base, roomId, token, { timeoutMs = 10_000, onMessage } = {}) {
  const waiters = new Set();
  const client = {
    ws: undefined,
    send: (message) => client.ws.send(encode(message)),
    until(match, what) {
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`timed out waiting for ${what}`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    leave() {
      const ws = client.ws;
      if (ws.readyState === ws.CLOSED) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => ws.terminate(), timeoutMs);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(1000);
      });
    },
  };
  client.ws = await tandemJoin(base, roomId, token, (m, _bytes, ws) => {
    // Frames can arrive before the join resolves (a yjs room's state vector comes with admission).
    client.ws = ws;
    onMessage?.(m, client);
    for (const waiter of waiters) {
      if (!waiter.match(m)) continue;
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(m);
    }
  });
  return client;
}

const LWW_DOC = tagOf('lwwDoc');

/**
 * A `lwwDoc` frame read in place: its document as a view into the frame, not the copy `decode`
 * makes (a copy that a real client makes once, but that one process standing in for a hundred
 * clients would make 7,200 times a second for 10 KB documents, and spend its time in GC).
 */
function peekLwwDoc(frame) {
  if (frame[0] !== LWW_DOC) return undefined;
  const r = new Reader(frame);
  r.u8();
  const version = r.varuint();
  const slot = r.u16();
  const length = r.varuint();
  return { type: 'lwwDoc', version, slot, doc: frame.subarray(frame.length - length) };
}

// ── y-protocols: message types and sync steps as on the wire ─────────────────────────────────
export const Y_SYNC = 0;
export const Y_AWARENESS = 1;
export const Y_AUTH = 2;
export const Y_STEP1 = 0;
export const Y_STEP2 = 1;
export const Y_UPDATE = 2;

/** One y-protocols message, prefixed with the document name for Hocuspocus (`docName` set). */
export function yMessage(docName, type, write) {
  const e = encoding.createEncoder();
  if (docName !== undefined) encoding.writeVarString(e, docName);
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}

/** A sync message (step 1 with a state vector, step 2 or update with an update). */
export function ySync(docName, step, payload) {
  return yMessage(docName, Y_SYNC, (e) => {
    encoding.writeVarUint(e, step);
    encoding.writeVarUint8Array(e, payload);
  });
}

/** Hocuspocus's auth message with an empty token: opens the document on this socket. */
export function hocuspocusAuth(docName) {
  return yMessage(docName, Y_AUTH, (e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, '');
  });
}

/** Reads a y-protocols frame: `{ type, step, payload }` (step and payload for sync messages only). */
export function readYFrame(bytes, prefixed) {
  const d = decoding.createDecoder(bytes);
  if (prefixed) decoding.readVarString(d);
  const type = decoding.readVarUint(d);
  if (type !== Y_SYNC) return { type };
  const step = decoding.readVarUint(d);
  return { type, step, payload: decoding.readVarUint8Array(d) };
}

/**
 * Opens a Hocuspocus (`hocuspocus: true`) or y-websocket socket on document `name`; resolves once
 * open (and, for Hocuspocus, once the server has answered the auth message). `onSync(step, payload)` sees every sync message.
 */
export async function yJoin(base, name, { hocuspocus, onSync = () => {} }) {
  const docName = hocuspocus ? name : undefined;
  let authed;
  const ready = new Promise((resolve) => {
    authed = resolve;
  });
  const ws = await openWs(hocuspocus ? `ws://${base}/` : `ws://${base}/${name}`, (data) => {
    const frame = readYFrame(new Uint8Array(data.buffer, data.byteOffset, data.length), hocuspocus);
    // Hocuspocus answers the auth message (and then opens sync); any first frame means it is in.
    authed();
    if (frame.type === Y_SYNC) onSync(frame.step, frame.payload);
  });
  if (hocuspocus) {
    ws.send(hocuspocusAuth(name));
    await ready;
  }
  return { ws, send: (step, payload) => ws.send(ySync(docName, step, payload)) };
}
