// Writes packages/protocol/test/vectors.json, the golden frames of the wire protocol.
//
//   npm run vectors:protocol     (builds packages/protocol, then runs this script)
//
// Each vector is { name, hex, message }: `hex` is the whole frame, `message` the decoded message as
// JSON with every Uint8Array written as { "$bytes": "<hex>" }. The frames come from the encoder, so
// on their own they only pin today's behaviour; packages/protocol/test/codec.layout.test.ts checks
// a handful of them against layouts written out by hand, byte by byte.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode, MESSAGES } from '../packages/protocol/dist/index.js';

const OUT = fileURLToPath(new URL('../packages/protocol/test/vectors.json', import.meta.url));

const utf8 = (text) => new TextEncoder().encode(text);
const json = (value) => utf8(JSON.stringify(value));
const bytes = (...values) => Uint8Array.from(values);

const TWO_40 = 2 ** 40;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Presence and chat payloads are UTF-8 JSON by convention; the codec relays them as bytes. */
const zoePresence = json({ tool: 'brush', layer: 'layer:7' });
const annaPresence = json({ tool: 'select', status: 'на связи' });

/** [name, message] in tag order; the first vector of each type is its example in docs/protocol.md. */
const VECTORS = [
  ['hello', { type: 'hello', version: 1, clientId: 'tok', name: 'Zoë', since: 300 }],
  [
    'hello/reconnect-since-2^40',
    { type: 'hello', version: 1, clientId: 'k3J9x_Q2mWn8-c4Lz7PaR1vT5yB0h', name: '', since: TWO_40 },
  ],
  [
    'welcome',
    {
      type: 'welcome',
      version: 1,
      slot: 3,
      userId: 'user_8f2a',
      name: 'Анна',
      color: '#e67e22',
      role: 'host',
    },
  ],
  [
    'welcome/guest',
    {
      type: 'welcome',
      version: 1,
      slot: 300,
      userId: 'user_b',
      name: 'Zoë',
      color: '#3498db',
      role: 'guest',
    },
  ],
  ['error', { type: 'error', code: 14, rid: 300, message: 'locked by Zoë' }],
  ['error/client-too-old', { type: 'error', code: 2, rid: 0, message: '' }],
  ['ping', { type: 'ping', nonce: 0 }],
  ['ping/max-safe-nonce', { type: 'ping', nonce: MAX_SAFE }],
  ['pong', { type: 'pong', nonce: 128 }],
  [
    'batch',
    {
      type: 'batch',
      frames: [
        { frame: encode({ type: 'peerCursor2d', slot: 3, x: 412.5, y: 96.75 }) },
        { frame: encode({ type: 'presence', slot: 3, presence: zoePresence }) },
      ],
    },
  ],
  ['batch/empty', { type: 'batch', frames: [] }],
  ['admission', { type: 'admission', state: 'waiting' }],
  ['admission/admitted', { type: 'admission', state: 'admitted' }],
  [
    'waitingList',
    {
      type: 'waitingList',
      waiting: [
        { slot: 4, userId: 'user_c', name: 'Jürgen', email: 'jürgen@example.de', color: '#9b59b6' },
        { slot: 5, userId: 'user_d', name: '李雷', email: 'li@example.cn', color: '#1abc9c' },
      ],
    },
  ],
  ['waitingList/empty', { type: 'waitingList', waiting: [] }],
  ['admit', { type: 'admit', action: 'admit', slot: 4 }],
  ['admit/decline', { type: 'admit', action: 'decline', slot: 5 }],
  ['admit/remove', { type: 'admit', action: 'remove', slot: 300 }],
  [
    'settings',
    {
      type: 'settings',
      policy: 'host-approval',
      docMode: 'lww',
      joinCode: 'K7QX2M',
      hostUserId: 'user_8f2a',
      trusted: ['ana@example.com', 'jürgen@example.de'],
    },
  ],
  [
    'settings/open-ops',
    {
      type: 'settings',
      policy: 'open',
      docMode: 'ops',
      joinCode: 'AB12CD',
      hostUserId: 'user_8f2a',
      trusted: [],
    },
  ],
  [
    'settings/trusted-yjs',
    {
      type: 'settings',
      policy: 'trusted',
      docMode: 'yjs',
      joinCode: 'ZZ9PLZ',
      hostUserId: 'user_8f2a',
      trusted: ['ana@example.com'],
    },
  ],
  ['setPolicy', { type: 'setPolicy', policy: 'trusted' }],
  ['setTrusted', { type: 'setTrusted', emails: ['ana@example.com', 'jürgen@example.de'] }],
  ['setTrusted/empty', { type: 'setTrusted', emails: [] }],
  ['setAccess', { type: 'setAccess', slot: 7, access: 'read' }],
  ['endSession', { type: 'endSession' }],
  [
    'roster',
    {
      type: 'roster',
      participants: [
        {
          slot: 3,
          userId: 'user_8f2a',
          name: 'Анна',
          color: '#e67e22',
          role: 'host',
          hidden: false,
          presence: annaPresence,
        },
        {
          slot: 300,
          userId: 'user_b',
          name: 'Zoë',
          color: '#3498db',
          role: 'guest',
          hidden: true,
          presence: zoePresence,
        },
      ],
    },
  ],
  ['roster/empty', { type: 'roster', participants: [] }],
  [
    'peerJoin',
    {
      type: 'peerJoin',
      slot: 300,
      userId: 'user_b',
      name: 'Zoë',
      color: '#3498db',
      role: 'guest',
      hidden: false,
      presence: bytes(),
    },
  ],
  ['peerLeave', { type: 'peerLeave', slot: 300 }],
  ['presenceSet', { type: 'presenceSet', presence: zoePresence }],
  ['presence', { type: 'presence', slot: 3, presence: annaPresence }],
  ['visibility', { type: 'visibility', hidden: true }],
  ['visibility/shown', { type: 'visibility', hidden: false }],
  ['peerVisibility', { type: 'peerVisibility', slot: 300, hidden: true }],
  ['peerAccess', { type: 'peerAccess', slot: 7, access: 'read' }],
  ['peerAccess/write', { type: 'peerAccess', slot: 7, access: 'write' }],
  [
    'awareness',
    {
      type: 'awareness',
      states: [
        {
          clientId: 2_741_005_113,
          clock: 4,
          state: JSON.stringify({ user: { name: 'Zoë' }, cursor: { anchor: 3, head: 9 } }),
        },
      ],
    },
  ],
  ['awareness/removed', { type: 'awareness', states: [{ clientId: 77, clock: 12, state: 'null' }] }],
  [
    'peerAwareness',
    {
      type: 'peerAwareness',
      slot: 3,
      states: [
        {
          clientId: 2_741_005_113,
          clock: 4,
          state: JSON.stringify({ user: { name: 'Анна', color: '#e5484d' }, cursor: null }),
        },
      ],
    },
  ],
  ['cursor2d', { type: 'cursor2d', x: 0.5, y: -1.25 }],
  ['cursor3d', { type: 'cursor3d', x: 1.5, y: -0.25, z: 1024 }],
  ['selection', { type: 'selection', element: 'lesson-title', anchor: 3, head: 300 }],
  ['cursorClear', { type: 'cursorClear' }],
  ['peerCursor2d', { type: 'peerCursor2d', slot: 3, x: 412.5, y: 96.75 }],
  ['peerCursor3d', { type: 'peerCursor3d', slot: 300, x: 1, y: -2, z: 0.125 }],
  ['peerSelection', { type: 'peerSelection', slot: 3, element: 'paragraph-2', anchor: 127, head: 128 }],
  ['peerCursorClear', { type: 'peerCursorClear', slot: 3 }],
  [
    'peerCursors2d',
    {
      type: 'peerCursors2d',
      cursors: [
        { slot: 3, x: 412.5, y: 96.75 },
        { slot: 300, x: -1, y: 0.5 },
      ],
    },
  ],
  ['lockAcquire', { type: 'lockAcquire', rid: 7, resource: 'layer:7' }],
  ['lockRelease', { type: 'lockRelease', rid: 8, resource: 'layer:7', lockId: 'lk_5c1d9e' }],
  ['lockRenew', { type: 'lockRenew', resource: 'layer:7', lockId: 'lk_5c1d9e' }],
  [
    'lockGranted',
    { type: 'lockGranted', rid: 7, resource: 'layer:7', lockId: 'lk_5c1d9e', fence: TWO_40, ttlMs: 60000 },
  ],
  [
    'lockState',
    {
      type: 'lockState',
      reason: 'transferred',
      resource: 'layer:7',
      holderSlot: 2,
      holderUser: 'user_b',
      fence: 300,
      ttlMs: 60000,
    },
  ],
  [
    'lockState/acquired',
    {
      type: 'lockState',
      reason: 'acquired',
      resource: 'mesh/Würfel',
      holderSlot: 3,
      holderUser: 'user_8f2a',
      fence: 1,
      ttlMs: 60000,
    },
  ],
  [
    'lockState/renewed',
    {
      type: 'lockState',
      reason: 'renewed',
      resource: 'mesh/Würfel',
      holderSlot: 3,
      holderUser: 'user_8f2a',
      fence: 1,
      ttlMs: 60000,
    },
  ],
  [
    'lockState/released',
    {
      type: 'lockState',
      reason: 'released',
      resource: 'layer:7',
      holderSlot: 0,
      holderUser: '',
      fence: 300,
      ttlMs: 0,
    },
  ],
  [
    'lockState/expired',
    {
      type: 'lockState',
      reason: 'expired',
      resource: 'layer:7',
      holderSlot: 0,
      holderUser: '',
      fence: 300,
      ttlMs: 0,
    },
  ],
  [
    'lockList',
    {
      type: 'lockList',
      locks: [
        { resource: 'layer:7', holderSlot: 2, holderUser: 'user_b', fence: 300, ttlMs: 60000 },
        { resource: 'mesh/Würfel', holderSlot: 0, holderUser: 'user_8f2a', fence: TWO_40, ttlMs: 1500 },
      ],
    },
  ],
  ['lockList/empty', { type: 'lockList', locks: [] }],
  ['accessRequest', { type: 'accessRequest', rid: 9, resource: 'layer:7', message: 'darf ich kurz? 🙏' }],
  [
    'accessRequested',
    {
      type: 'accessRequested',
      requestId: 42,
      resource: 'layer:7',
      fromSlot: 4,
      fromUser: 'user_c',
      message: 'darf ich kurz? 🙏',
      timeoutMs: 5000,
    },
  ],
  ['accessAnswer', { type: 'accessAnswer', requestId: 42, decision: 'release', lockId: 'lk_5c1d9e' }],
  ['accessAnswer/decline', { type: 'accessAnswer', requestId: 42, decision: 'decline', lockId: '' }],
  ['accessResult', { type: 'accessResult', requestId: 42, rid: 9, resource: 'layer:7', outcome: 'granted' }],
  [
    'accessResult/declined',
    { type: 'accessResult', requestId: 43, rid: 0, resource: 'layer:7', outcome: 'declined' },
  ],
  [
    'accessResult/timeout',
    { type: 'accessResult', requestId: 44, rid: 10, resource: 'layer:7', outcome: 'timeout' },
  ],
  [
    'accessResult/cancelled',
    { type: 'accessResult', requestId: 45, rid: 11, resource: 'layer:7', outcome: 'cancelled' },
  ],
  ['lockKeep', { type: 'lockKeep', rid: 13, resource: 'layer:7', lockId: 'lk_5c1d9e' }],
  ['accessPending', { type: 'accessPending', rid: 9, requestId: 42, resource: 'layer:7', timeoutMs: 10000 }],
  ['lwwSet', { type: 'lwwSet', rid: 12, resource: '', doc: json({ title: 'Übung 1', blocks: [] }) }],
  ['lwwDoc', { type: 'lwwDoc', version: 300, slot: 3, doc: json({ title: 'Übung 1', blocks: [] }) }],
  ['lwwDoc/loaded-by-room', { type: 'lwwDoc', version: 0, slot: 0, doc: bytes() }],
  ['docAck', { type: 'docAck', rid: 12, version: 301 }],
  [
    'opSubmit',
    { type: 'opSubmit', rid: 13, resource: 'layer:7', op: json({ set: 'filter', to: 'cinematic', at: 0.7 }) },
  ],
  [
    'op',
    {
      type: 'op',
      seq: 16384,
      slot: 3,
      rid: 13,
      resource: 'layer:7',
      op: json({ set: 'filter', to: 'cinematic', at: 0.7 }),
    },
  ],
  [
    'opsSync',
    {
      type: 'opsSync',
      baseSeq: 16383,
      base: json({ filter: 'none' }),
      ops: [
        { seq: 16384, slot: 3, rid: 13, resource: 'layer:7', op: json({ set: 'filter', to: 'cinematic' }) },
        { seq: 16385, slot: 300, rid: 0, resource: '', op: bytes(0x00, 0xff) },
      ],
    },
  ],
  ['opsSync/empty', { type: 'opsSync', baseSeq: 0, base: bytes(), ops: [] }],
  ['opsSnapshot', { type: 'opsSnapshot', rid: 14, seq: 16385, snapshot: json({ filter: 'cinematic' }) }],
  ['yjs', { type: 'yjs', step: 'state-vector', rid: 0, data: bytes(0x01, 0x8c, 0xd3, 0x9a, 0x04, 0x05) }],
  ['yjs/diff', { type: 'yjs', step: 'diff', rid: 0, data: bytes(0x00, 0x00) }],
  [
    'yjs/update',
    { type: 'yjs', step: 'update', rid: 15, data: bytes(0x01, 0x01, 0x8c, 0xd3, 0x9a, 0x04, 0x00) },
  ],
  ['chatSend', { type: 'chatSend', rid: 16, body: json({ text: 'Hallo zusammen 👋' }) }],
  [
    'chat',
    {
      type: 'chat',
      id: 1,
      slot: 3,
      rid: 16,
      at: 1_763_769_600_000,
      body: json({ text: 'Hallo zusammen 👋' }),
    },
  ],
  [
    'chatHistory',
    {
      type: 'chatHistory',
      authors: [
        { slot: 3, userId: 'user_8f2a', name: 'Анна', color: '#e67e22' },
        { slot: 9, userId: 'user_e', name: 'Ελένη', color: '#2ecc71' },
      ],
      messages: [
        { id: 1, slot: 3, at: 1_763_769_600_000, body: json({ text: 'Hallo zusammen 👋' }) },
        { id: 2, slot: 9, at: 1_763_769_612_345, body: json({ text: 'bye' }) },
      ],
    },
  ],
  ['chatHistory/empty', { type: 'chatHistory', authors: [], messages: [] }],
  ['signal', { type: 'signal', peer: 2, kind: 'offer', payload: json({ type: 'offer', sdp: 'v=0\r\n' }) }],
  [
    'signal/answer',
    { type: 'signal', peer: 3, kind: 'answer', payload: json({ type: 'answer', sdp: 'v=0\r\n' }) },
  ],
  [
    'signal/ice',
    { type: 'signal', peer: 2, kind: 'ice', payload: json({ candidate: 'candidate:1 1 udp 2122260223' }) },
  ],
  ['signal/join', { type: 'signal', peer: 0, kind: 'join', payload: bytes() }],
  ['signal/leave', { type: 'signal', peer: 2, kind: 'leave', payload: bytes() }],
];

const toHex = (data) => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');

/** Uint8Array → { $bytes: hex }, recursively. */
function toJson(value) {
  if (value instanceof Uint8Array) return { $bytes: toHex(value) };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

const names = new Set();
const covered = new Set();
const out = VECTORS.map(([name, message]) => {
  if (names.has(name)) throw new Error(`duplicate vector name ${name}`);
  names.add(name);
  covered.add(message.type);
  const frame = encode(message);
  // `message` is what was encoded, not what the decoder returned: vectors.test.ts checks that the
  // decoder gives it back.
  return { name, hex: toHex(frame), message: toJson(message) };
});
const missing = Object.keys(MESSAGES).filter((name) => !covered.has(name));
if (missing.length > 0) throw new Error(`no vector for: ${missing.join(', ')}`);

writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${out.length} vectors to ${OUT}`);
