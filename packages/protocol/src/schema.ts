// One piece on purpose: this table is the whole wire protocol, every message with its tag,
// direction and fields, and the single source of the codec, the message types, the tables in
// docs/protocol.md and the property-test generators. Split by capability, a reader could no longer
// see every tag beside its neighbours, and a tag used twice would be found only at run time.

import {
  ACCESS_DECISIONS,
  ACCESS_LEVELS,
  ACCESS_OUTCOMES,
  ADMISSION_POLICIES,
  ADMISSION_STATES,
  ADMIT_ACTIONS,
  DOC_MODES,
  LOCK_REASONS,
  ROLES,
  SIGNAL_KINDS,
  YJS_STEPS,
} from './enums.js';

/**
 * The field kinds a message is built from. Every message is a one-byte type tag followed by its
 * fields in order, with no padding:
 * - `u8`, `u16`: fixed-width unsigned, little-endian;
 * - `varuint`: unsigned LEB128, at most 8 bytes, at most 2^53 − 1;
 * - `f32`, `f64`: IEEE 754, little-endian;
 * - `bool`: one byte, 0 or 1;
 * - `str`: varuint byte length, then UTF-8;
 * - `bytes`: varuint length, then opaque bytes (documents, JSON payloads: relayed unparsed);
 * - `strs`: varuint count, then that many `str`;
 * - `{ enum }`: one byte, the index into the listed names;
 * - `{ list }`: varuint count, then that many records of the given fields.
 */
export type ScalarKind = 'u8' | 'u16' | 'varuint' | 'f32' | 'f64' | 'bool' | 'str' | 'bytes' | 'strs';
export interface EnumKind {
  readonly enum: readonly string[];
}
export interface ListKind {
  readonly list: FieldList;
}
export type FieldKind = ScalarKind | EnumKind | ListKind;
export type FieldList = readonly (readonly [name: string, kind: FieldKind])[];

/** Who sends a message: client to room, room to client, or either. */
export type Direction = 'c2s' | 's2c' | 'both';

export interface MessageSpec {
  readonly tag: number;
  readonly dir: Direction;
  readonly doc: string;
  readonly fields: FieldList;
}

const participantFields = [
  ['slot', 'u16'],
  ['userId', 'str'],
  ['name', 'str'],
  ['color', 'str'],
  ['role', { enum: ROLES }],
  ['hidden', 'bool'],
  ['presence', 'bytes'],
] as const;

const lockFields = [
  ['resource', 'str'],
  ['holderSlot', 'u16'],
  ['holderUser', 'str'],
  ['fence', 'varuint'],
  ['ttlMs', 'varuint'],
] as const;

/** One Yjs client's awareness entry, laid out as y-protocols encodes it. */
const awarenessFields = [
  ['clientId', 'varuint'],
  ['clock', 'varuint'],
  ['state', 'str'],
] as const;

const opFields = [
  ['seq', 'varuint'],
  ['slot', 'u16'],
  ['rid', 'varuint'],
  ['resource', 'str'],
  ['op', 'bytes'],
] as const;

/**
 * Every Tandem message. Tags are grouped by capability in the high nibble. `rid` is a request id
 * chosen by the client (0 = none) and echoed in the reply or error it causes. A `slot` of 0 means
 * "nobody" (the room itself, or no live connection).
 */
export const MESSAGES = {
  // 0x0_: session control
  hello: {
    tag: 0x01,
    dir: 'c2s',
    doc: 'First frame of every connection. `clientId` names the client across its reconnects (1 to 64 of `A–Z a–z 0–9 _ -`; empty: none): with it, the `rid` of an edit (`lwwSet`, `opSubmit`) or a chat is its identity, so a retry is answered with its first outcome instead of being applied again (request ids must then grow across the reconnects). `since` is the last document version/sequence the client holds (0: none), so a reconnect receives only what it missed. `name` is a display-name hint used only when the verified identity has none.',
    fields: [
      ['version', 'u16'],
      ['clientId', 'str'],
      ['name', 'str'],
      ['since', 'varuint'],
    ],
  },
  welcome: {
    tag: 0x02,
    dir: 's2c',
    doc: "Reply to hello: the connection's own slot and verified identity. Says nothing about the room.",
    fields: [
      ['version', 'u16'],
      ['slot', 'u16'],
      ['userId', 'str'],
      ['name', 'str'],
      ['color', 'str'],
      ['role', { enum: ROLES }],
    ],
  },
  error: {
    tag: 0x03,
    dir: 's2c',
    doc: 'A refused request or a notice. `code` is from the error table; a fatal code is followed by a close with code 4000 + `code`.',
    fields: [
      ['code', 'u16'],
      ['rid', 'varuint'],
      ['message', 'str'],
    ],
  },
  ping: {
    tag: 0x04,
    dir: 'both',
    doc: 'Liveness probe; answered with pong carrying the same nonce.',
    fields: [['nonce', 'varuint']],
  },
  pong: { tag: 0x05, dir: 'both', doc: 'Answer to ping.', fields: [['nonce', 'varuint']] },
  batch: {
    tag: 0x0f,
    dir: 's2c',
    doc: 'Several frames delivered as one (cursor and presence coalescing). Each item is a complete frame, never itself a batch.',
    fields: [['frames', { list: [['frame', 'bytes']] }]],
  },

  // 0x1_: admission and settings
  admission: {
    tag: 0x10,
    dir: 's2c',
    doc: "The connection's own admission state. `admitted` arrives after the room snapshot (roster, settings, locks, chat, document), so a client is fully synced when it sees it.",
    fields: [['state', { enum: ADMISSION_STATES }]],
  },
  waitingList: {
    tag: 0x11,
    dir: 's2c',
    doc: 'Host only: everyone currently in the waiting room, sent whole on every change. Includes the verified email so the host can decide.',
    fields: [
      [
        'waiting',
        {
          list: [
            ['slot', 'u16'],
            ['userId', 'str'],
            ['name', 'str'],
            ['email', 'str'],
            ['color', 'str'],
          ],
        },
      ],
    ],
  },
  admit: {
    tag: 0x12,
    dir: 'c2s',
    doc: 'Host only: admit or decline a waiting slot, or remove an admitted participant (all connections of that user).',
    fields: [
      ['action', { enum: ADMIT_ACTIONS }],
      ['slot', 'u16'],
    ],
  },
  settings: {
    tag: 0x13,
    dir: 's2c',
    doc: 'Room settings. `trusted` is filled for host connections only.',
    fields: [
      ['policy', { enum: ADMISSION_POLICIES }],
      ['docMode', { enum: DOC_MODES }],
      ['joinCode', 'str'],
      ['hostUserId', 'str'],
      ['trusted', 'strs'],
    ],
  },
  setPolicy: {
    tag: 0x14,
    dir: 'c2s',
    doc: 'Host only: change the admission policy.',
    fields: [['policy', { enum: ADMISSION_POLICIES }]],
  },
  setTrusted: {
    tag: 0x15,
    dir: 'c2s',
    doc: 'Host only: replace the trusted email list. Waiting users whose email is now trusted are admitted.',
    fields: [['emails', 'strs']],
  },
  setAccess: {
    tag: 0x16,
    dir: 'c2s',
    doc: "Host only: make the user in `slot` a viewer (`read`) or an editor (`write`), for all of that user's connections and later ones while the room is loaded. A waiting slot is admitted with that access when the host admits it. The host's own access cannot change, nor can `write` be given to a user whose token grants `read` only.",
    fields: [
      ['slot', 'u16'],
      ['access', { enum: ACCESS_LEVELS }],
    ],
  },

  endSession: {
    tag: 0x17,
    dir: 'c2s',
    doc: "Host only: end the session for everyone. Every connection, the host's included, is closed with `SessionEnded`; the room takes no one in afterwards, and a server forgets the session (its join code, its rooms and companion rooms).",
    fields: [],
  },

  // 0x2_: roster and presence
  roster: {
    tag: 0x20,
    dir: 's2c',
    doc: 'Every admitted participant, including the receiver, with presence.',
    fields: [['participants', { list: participantFields }]],
  },
  peerJoin: { tag: 0x21, dir: 's2c', doc: 'A participant was admitted.', fields: participantFields },
  peerLeave: { tag: 0x22, dir: 's2c', doc: 'A participant left or was removed.', fields: [['slot', 'u16']] },
  presenceSet: {
    tag: 0x23,
    dir: 'c2s',
    doc: "Replace the sender's app-defined presence (UTF-8 JSON by convention; relayed unparsed).",
    fields: [['presence', 'bytes']],
  },
  presence: {
    tag: 0x24,
    dir: 's2c',
    doc: "A participant's new presence.",
    fields: [
      ['slot', 'u16'],
      ['presence', 'bytes'],
    ],
  },
  visibility: {
    tag: 0x25,
    dir: 'c2s',
    doc: "The sender's page was hidden or shown. Hidden: its cursor is cleared for others and further cursor frames are ignored; presence stays.",
    fields: [['hidden', 'bool']],
  },
  peerVisibility: {
    tag: 0x26,
    dir: 's2c',
    doc: "A participant's page was hidden or shown.",
    fields: [
      ['slot', 'u16'],
      ['hidden', 'bool'],
    ],
  },

  peerAccess: {
    tag: 0x27,
    dir: 's2c',
    doc: "A participant's access. Sent for each `read` participant right after the `roster` and the `peerJoin` that introduce it (a participant without one is `write`), including to that participant itself, and to everyone when the host changes it. A `read` participant's edits, locks and access requests are refused with `Forbidden`.",
    fields: [
      ['slot', 'u16'],
      ['access', { enum: ACCESS_LEVELS }],
    ],
  },

  awareness: {
    tag: 0x28,
    dir: 'c2s',
    doc: "yjs rooms only: the sender's Yjs awareness states (y-protocols Awareness), each a Yjs client id, its clock and its state as JSON text (`null` removes it). The list's bytes are exactly a y-protocols awareness update. At most 8 client ids per connection and 8 KiB of state per message; a client id another participant announced is refused. Each state's `user.name` and `user.color` are replaced by the sender's verified name and room colour before it is relayed. Charged to the presence budget.",
    fields: [['states', { list: awarenessFields }]],
  },
  peerAwareness: {
    tag: 0x29,
    dir: 's2c',
    doc: "A participant's awareness states (see `awareness`) with its verified `user`; in the admission snapshot, each other participant's latest ones (a state not renewed for 30 s is left out: clients renew every 15 s); when it leaves, its states as removed (`null` at the clock last relayed). A client that comes back after its states were removed is relayed with its clocks raised above that removal, so receivers holding it do not ignore the newcomer.",
    fields: [
      ['slot', 'u16'],
      ['states', { list: awarenessFields }],
    ],
  },

  // 0x3_: cursors (fixed layouts: 2D is 9 bytes from the client, 11 to peers, 10 per entry when packed)
  cursor2d: {
    tag: 0x30,
    dir: 'c2s',
    doc: '2D viewport cursor.',
    fields: [
      ['x', 'f32'],
      ['y', 'f32'],
    ],
  },
  cursor3d: {
    tag: 0x31,
    dir: 'c2s',
    doc: '3D viewport cursor.',
    fields: [
      ['x', 'f32'],
      ['y', 'f32'],
      ['z', 'f32'],
    ],
  },
  selection: {
    tag: 0x32,
    dir: 'c2s',
    doc: 'Text selection inside an element: anchor and head offsets.',
    fields: [
      ['element', 'str'],
      ['anchor', 'varuint'],
      ['head', 'varuint'],
    ],
  },
  cursorClear: { tag: 0x33, dir: 'c2s', doc: "The sender's cursor left the surface.", fields: [] },
  peerCursor2d: {
    tag: 0x34,
    dir: 's2c',
    doc: "A participant's 2D cursor.",
    fields: [
      ['slot', 'u16'],
      ['x', 'f32'],
      ['y', 'f32'],
    ],
  },
  peerCursor3d: {
    tag: 0x35,
    dir: 's2c',
    doc: "A participant's 3D cursor.",
    fields: [
      ['slot', 'u16'],
      ['x', 'f32'],
      ['y', 'f32'],
      ['z', 'f32'],
    ],
  },
  peerSelection: {
    tag: 0x36,
    dir: 's2c',
    doc: "A participant's text selection.",
    fields: [
      ['slot', 'u16'],
      ['element', 'str'],
      ['anchor', 'varuint'],
      ['head', 'varuint'],
    ],
  },
  peerCursorClear: {
    tag: 0x37,
    dir: 's2c',
    doc: "A participant's cursor is gone.",
    fields: [['slot', 'u16']],
  },
  peerCursors2d: {
    tag: 0x38,
    dir: 's2c',
    doc: "Several participants' latest 2D cursors in one frame: each entry is a `peerCursor2d` without its tag (10 bytes). The server sends one per room tick instead of a frame per move.",
    fields: [
      [
        'cursors',
        {
          list: [
            ['slot', 'u16'],
            ['x', 'f32'],
            ['y', 'f32'],
          ],
        },
      ],
    ],
  },

  // 0x4_: locks and access requests
  lockAcquire: {
    tag: 0x40,
    dir: 'c2s',
    doc: 'Select a resource: acquire its lock, or renew it if the sending user already holds it.',
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
    ],
  },
  lockRelease: {
    tag: 0x41,
    dir: 'c2s',
    doc: 'Release a lock; ignored with an error unless `lockId` is the current grant.',
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['lockId', 'str'],
    ],
  },
  lockRenew: {
    tag: 0x42,
    dir: 'c2s',
    doc: 'Older form of `lockKeep`, still accepted: extends a held lease, but a refusal of it carries rid 0, so the sender cannot tell which renewal failed.',
    fields: [
      ['resource', 'str'],
      ['lockId', 'str'],
    ],
  },
  lockGranted: {
    tag: 0x43,
    dir: 's2c',
    doc: "To every connection of the holder: the lock id (the proof needed to release) and the grant's fencing token.",
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['lockId', 'str'],
      ['fence', 'varuint'],
      ['ttlMs', 'varuint'],
    ],
  },
  lockState: {
    tag: 0x44,
    dir: 's2c',
    doc: 'A lock changed. `holderSlot` is one live connection of the holder (0 if none is connected); `holderUser` is empty when the resource is free.',
    fields: [['reason', { enum: LOCK_REASONS }], ...lockFields],
  },
  lockList: {
    tag: 0x45,
    dir: 's2c',
    doc: 'Every held lock, in the admission snapshot.',
    fields: [['locks', { list: lockFields }]],
  },
  accessRequest: {
    tag: 0x46,
    dir: 'c2s',
    doc: "Ask the holder of a resource's lock to hand it over, with a short message.",
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['message', 'str'],
    ],
  },
  accessRequested: {
    tag: 0x47,
    dir: 's2c',
    doc: 'To every connection of the holder: someone asks for the lock. Unanswered, it times out after `timeoutMs` (what remains of it, when sent again after a reconnect).',
    fields: [
      ['requestId', 'varuint'],
      ['resource', 'str'],
      ['fromSlot', 'u16'],
      ['fromUser', 'str'],
      ['message', 'str'],
      ['timeoutMs', 'varuint'],
    ],
  },
  accessAnswer: {
    tag: 0x48,
    dir: 'c2s',
    doc: 'The holder releases (the lock passes straight to the requester; needs the lock id) or declines.',
    fields: [
      ['requestId', 'varuint'],
      ['decision', { enum: ACCESS_DECISIONS }],
      ['lockId', 'str'],
    ],
  },
  accessResult: {
    tag: 0x49,
    dir: 's2c',
    doc: "How a request ended; to the requester (with its `rid`) and to the holder's connections (rid 0).",
    fields: [
      ['requestId', 'varuint'],
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['outcome', { enum: ACCESS_OUTCOMES }],
    ],
  },

  lockKeep: {
    tag: 0x4a,
    dir: 'c2s',
    doc: "Extend a held lease by its TTL (activity without an edit). Answered with `lockGranted` under `rid` (the lease's new `ttlMs`), or refused under `rid`: the hold is gone.",
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['lockId', 'str'],
    ],
  },
  accessPending: {
    tag: 0x4b,
    dir: 's2c',
    doc: 'To the requesting connection, under its `rid`: the request reached the holder, and times out unanswered after `timeoutMs`. Clients that do not know this message may ignore it.',
    fields: [
      ['rid', 'varuint'],
      ['requestId', 'varuint'],
      ['resource', 'str'],
      ['timeoutMs', 'varuint'],
    ],
  },

  // 0x5_: documents
  lwwSet: {
    tag: 0x50,
    dir: 'c2s',
    doc: 'Replace the whole document (lww mode). `resource` names the locked resource the edit touches ("" for none).',
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['doc', 'bytes'],
    ],
  },
  lwwDoc: {
    tag: 0x51,
    dir: 's2c',
    doc: "The room's document at `version`, written by `slot` (0: loaded by the room, or replaced by the server's service API).",
    fields: [
      ['version', 'varuint'],
      ['slot', 'u16'],
      ['doc', 'bytes'],
    ],
  },
  docAck: {
    tag: 0x52,
    dir: 's2c',
    doc: "The sender's edit `rid` is durable at `version` (lww version, ops sequence, or 0 for yjs).",
    fields: [
      ['rid', 'varuint'],
      ['version', 'varuint'],
    ],
  },
  opSubmit: {
    tag: 0x53,
    dir: 'c2s',
    doc: 'Submit an app-defined operation (ops mode) for sequencing.',
    fields: [
      ['rid', 'varuint'],
      ['resource', 'str'],
      ['op', 'bytes'],
    ],
  },
  op: {
    tag: 0x54,
    dir: 's2c',
    doc: 'A sequenced operation, to every admitted connection including its author (who matches it by `rid`).',
    fields: opFields,
  },
  opsSync: {
    tag: 0x55,
    dir: 's2c',
    doc: "Catch-up for ops mode: an optional snapshot at `baseSeq`, then every operation after it (or after the client's `since`). Also sent to every admitted connection when the server's service API replaces the document: a snapshot at a new `baseSeq`, no operations; the client starts over from it.",
    fields: [
      ['baseSeq', 'varuint'],
      ['base', 'bytes'],
      ['ops', { list: opFields }],
    ],
  },
  opsSnapshot: {
    tag: 0x56,
    dir: 'c2s',
    doc: 'Offer the state after applying operations up to `seq`; the room drops the log up to there.',
    fields: [
      ['rid', 'varuint'],
      ['seq', 'varuint'],
      ['snapshot', 'bytes'],
    ],
  },
  yjs: {
    tag: 0x57,
    dir: 'both',
    doc: 'Yjs sync: a state vector, the diff answering one, or an incremental update.',
    fields: [
      ['step', { enum: YJS_STEPS }],
      ['rid', 'varuint'],
      ['data', 'bytes'],
    ],
  },

  // 0x6_: chat
  chatSend: {
    tag: 0x60,
    dir: 'c2s',
    doc: 'Send a chat message (UTF-8 JSON by convention; relayed unparsed).',
    fields: [
      ['rid', 'varuint'],
      ['body', 'bytes'],
    ],
  },
  chat: {
    tag: 0x61,
    dir: 's2c',
    doc: 'A chat message, to every admitted connection including its author.',
    fields: [
      ['id', 'varuint'],
      ['slot', 'u16'],
      ['rid', 'varuint'],
      ['at', 'varuint'],
      ['body', 'bytes'],
    ],
  },
  chatHistory: {
    tag: 0x62,
    dir: 's2c',
    doc: 'The transcript so far, in the admission snapshot, with the identities of authors no longer present.',
    fields: [
      [
        'authors',
        {
          list: [
            ['slot', 'u16'],
            ['userId', 'str'],
            ['name', 'str'],
            ['color', 'str'],
          ],
        },
      ],
      [
        'messages',
        {
          list: [
            ['id', 'varuint'],
            ['slot', 'u16'],
            ['at', 'varuint'],
            ['body', 'bytes'],
          ],
        },
      ],
    ],
  },

  // 0x7_: peer-to-peer signaling
  signal: {
    tag: 0x70,
    dir: 'both',
    doc: "WebRTC signaling, on a peer-to-peer session's signaling connection only. From a client, `peer` is the target peer (0 is the host; a guest may address only the host); to a client, the source peer. The server sends the host `join` (payload: the guest's verified identity as JSON) and `leave`; `offer`, `answer` and `ice` payloads (SDP or candidate JSON) are relayed unparsed.",
    fields: [
      ['peer', 'u16'],
      ['kind', { enum: SIGNAL_KINDS }],
      ['payload', 'bytes'],
    ],
  },
} as const satisfies Record<string, MessageSpec>;

export type MessageName = keyof typeof MESSAGES;
