import type { DocMode } from '@tandem/protocol';
import type { Identity } from '@tandem/room';
import type { SessionRequest } from '../rooms/registry.js';

/**
 * A message between the nodes of a cluster. A connection's frames travel as `in` (client → owner)
 * and `out` (owner → client); the rest manage connections and forwarded calls.
 */
export type Envelope =
  /** Entry node → owner: a client connected to one of the owner's rooms. */
  | { t: 'open'; conn: string; from: string; room: string; identity: Identity }
  /** Entry node → owner: a frame from the client. */
  | { t: 'in'; conn: string; frame: Uint8Array }
  /** Entry node → owner: the client has gone (`clean`: it closed with 1000, ending what it hosts). */
  | { t: 'leave'; conn: string; clean?: boolean }
  /** Owner → entry node: a frame for the client. */
  | { t: 'out'; conn: string; frame: Uint8Array }
  /** Owner → entry node: the room closed the connection. */
  | { t: 'close'; conn: string; code: number; reason: string }
  /**
   * Entry node → owner, every third of a lease: the connections to the owner's rooms it still holds.
   * The owner answers with `gone` for those it no longer has.
   */
  | { t: 'keep'; from: string; conns: readonly string[] }
  /** Owner → entry node: connections it has let go of (a message to them was lost): they restart. */
  | { t: 'gone'; conns: readonly string[] }
  /**
   * Any node → owner: create a companion room of a session it owns (its initial document, if any,
   * as base64 beside the request).
   */
  | {
      t: 'call';
      id: string;
      from: string;
      host: Identity;
      request: Omit<SessionRequest, 'initialDocument'>;
      initialDocument?: string;
    }
  /** Any node → owner: the service API's call to a room of a session it owns. */
  | { t: 'room-call'; id: string; from: string; call: RoomCall }
  /** Owner → caller: the call's result, or the refusal's error code and message. */
  | { t: 'reply'; id: string; value?: unknown; code?: number; message?: string };

/** What the service API asks of a room at its owner: documents travel as base64. */
export type RoomCall =
  | { op: 'read'; room: string }
  | { op: 'replace'; room: string; mode: DocMode; document: string }
  | { op: 'delete'; room: string };

// Frames are the hot path: they travel as binary (kind, connection id, bytes), not JSON.
const IN = 1;
const OUT = 2;
const JSON_KIND = 0;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of an envelope on the bus. */
export function encodeEnvelope(envelope: Envelope): Buffer {
  if (envelope.t === 'in' || envelope.t === 'out') {
    const conn = encoder.encode(envelope.conn);
    const out = Buffer.allocUnsafe(2 + conn.length + envelope.frame.length);
    out[0] = envelope.t === 'in' ? IN : OUT;
    out[1] = conn.length;
    out.set(conn, 2);
    out.set(envelope.frame, 2 + conn.length);
    return out;
  }
  const json = encoder.encode(JSON.stringify(envelope));
  const out = Buffer.allocUnsafe(1 + json.length);
  out[0] = JSON_KIND;
  out.set(json, 1);
  return out;
}

/** An envelope read off the bus; throws on bytes that are not one. */
export function decodeEnvelope(data: Uint8Array): Envelope {
  const kind = data[0];
  if (kind === IN || kind === OUT) {
    const length = data[1] ?? 0;
    if (data.length < 2 + length) throw new Error('truncated cluster frame');
    const conn = decoder.decode(data.subarray(2, 2 + length));
    // A copy: the bus's buffer is not ours to keep.
    const frame = new Uint8Array(data.subarray(2 + length));
    return kind === IN ? { t: 'in', conn, frame } : { t: 'out', conn, frame };
  }
  if (kind !== JSON_KIND) throw new Error(`unknown cluster message kind ${String(kind)}`);
  const envelope = JSON.parse(decoder.decode(data.subarray(1))) as Envelope;
  if (typeof envelope?.t !== 'string') throw new Error('cluster message without a type');
  return envelope;
}
