// Workload 3 load generator: time from connect to the first full document for a joiner, repeated.
// Documents: `lww` (500 KB of bytes; for the Yjs servers a Y.Doc whose map holds those bytes) and
// `yjs` (a Y.Text built from `edits` typing edits). A writer puts the document in the room first and
// stays connected, so servers without persistence keep it. Prints one line `RESULT <json>`.
import { performance } from 'node:perf_hooks';
import { encode } from '@tandem/protocol';
import * as Y from 'yjs';
import { guest, tandemJoin, tandemSession, Y_STEP1, Y_STEP2, Y_UPDATE, yJoin } from '../lib/wire.mjs';

const cfg = JSON.parse(process.argv[2]);
const { system, doc: kind, port, repeats = 10, lwwBytes = 500_000, edits = 100_000 } = cfg;
const base = `127.0.0.1:${port}`;

/** A deterministic pseudo-random sequence, so every system gets the same document. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The document every system serves: its Yjs update (for the Yjs servers and Tandem's yjs mode). */
function buildYDoc() {
  const doc = new Y.Doc();
  // A fixed client id: ids are random and varint-encoded in every item, so the bytes would differ.
  doc.clientID = 12345;
  const random = prng(7);
  if (kind === 'lww') {
    doc.getMap('doc').set('bytes', lwwBytesOf());
  } else {
    // Typing: runs of characters at a cursor that jumps now and then; about one edit in ten deletes.
    const text = doc.getText('text');
    let cursor = 0;
    for (let i = 0; i < edits; i++) {
      if (random() < 0.02) cursor = Math.floor(random() * (text.length + 1));
      if (random() < 0.1 && cursor > 0) {
        text.delete(cursor - 1, 1);
        cursor--;
      } else {
        text.insert(cursor, String.fromCharCode(97 + Math.floor(random() * 26)));
        cursor++;
      }
    }
  }
  return Y.encodeStateAsUpdate(doc);
}

function lwwBytesOf() {
  const random = prng(11);
  const bytes = new Uint8Array(lwwBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

// ── per system: put the document in a room, then time joins ────────────────────────────────────
async function tandem() {
  const mode = kind === 'lww' ? 'lww' : 'yjs';
  const { roomId, hostToken } = await tandemSession(base, mode);
  let acked;
  const stored = new Promise((resolve) => {
    acked = resolve;
  });
  const writer = await tandemJoin(base, roomId, hostToken, (m, _bytes, ws) => {
    if (m.type === 'docAck') acked();
    if (m.type === 'yjs' && m.step === 'state-vector') {
      ws.send(encode({ type: 'yjs', step: 'state-vector', rid: 1, data: new Uint8Array([0]) }));
    }
  });
  const doc = mode === 'lww' ? lwwBytesOf() : buildYDoc();
  writer.send(
    encode(
      mode === 'lww'
        ? { type: 'lwwSet', rid: 2, resource: '', doc }
        : { type: 'yjs', step: 'update', rid: 2, data: doc },
    ),
  );
  const size = doc.length;
  await stored;
  const tokens = [];
  for (let i = 0; i < repeats; i++) tokens.push(await guest(base, `J${i}`));
  const once = async (token) => {
    let got;
    const full = new Promise((resolve) => {
      got = resolve;
    });
    const t = performance.now();
    const ws = await tandemJoin(base, roomId, token, (m, _bytes, sock) => {
      if (m.type === 'lwwDoc' && m.version > 0) got();
      if (m.type === 'yjs' && m.step === 'state-vector') {
        // A new joiner has nothing: its empty state vector asks for the whole document.
        sock.send(encode({ type: 'yjs', step: 'state-vector', rid: 1, data: new Uint8Array([0]) }));
      }
      if (m.type === 'yjs' && m.step === 'diff' && m.data.length > 2) got();
    });
    await full;
    const ms = performance.now() - t;
    ws.terminate();
    return ms;
  };
  return { size, times: await sequential(tokens, once), writer };
}

function yServer(hocuspocus) {
  return async () => {
    const name = `join-${kind}`;
    const update = buildYDoc();
    let synced;
    const ready = new Promise((resolve) => {
      synced = resolve;
    });
    const writer = await yJoin(base, name, { hocuspocus, onSync: (step) => step === Y_STEP2 && synced() });
    writer.send(Y_UPDATE, update);
    writer.send(Y_STEP1, Y.encodeStateVector(new Y.Doc()));
    await ready;
    const empty = Y.encodeStateVector(new Y.Doc());
    const once = async () => {
      let got;
      const full = new Promise((resolve) => {
        got = resolve;
      });
      const t = performance.now();
      const peer = await yJoin(base, name, {
        hocuspocus,
        // The server's step 2 answering the joiner's empty state vector is the whole document.
        onSync: (step, payload) => step === Y_STEP2 && payload.length > 2 && got(),
      });
      peer.send(Y_STEP1, empty);
      await full;
      const ms = performance.now() - t;
      peer.ws.terminate();
      return ms;
    };
    return { size: update.length, times: await sequential(Array.from({ length: repeats }), once), writer };
  };
}

async function sequential(items, fn) {
  const out = [];
  for (const item of items) out.push(await fn(item));
  return out;
}

const run = { tandem, hocuspocus: yServer(true), ywebsocket: yServer(false) }[system];
if (!run) throw new Error(`workload 3 does not run ${system}`);
const { size, times } = await run();
const sorted = [...times].sort((a, b) => a - b);
console.log(
  `RESULT ${JSON.stringify({
    system,
    doc: kind,
    bytes: size,
    edits: kind === 'yjs' ? edits : undefined,
    repeats,
    median: sorted[Math.floor((sorted.length - 1) / 2)],
    p90: sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)],
    min: sorted[0],
    max: sorted.at(-1),
  })}`,
);
process.exit(0);
