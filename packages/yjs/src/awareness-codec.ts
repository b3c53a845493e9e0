import type { MessageOf } from '@tandem/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * One Yjs client's awareness entry, as the protocol's `awareness` and `peerAwareness` carry it and
 * as y-protocols encodes an awareness update: its Yjs client id, clock, and state as JSON text
 * (`'null'` removes the client).
 */
export type AwarenessEntry = MessageOf<'awareness'>['states'][number];

/**
 * Reads a y-protocols awareness update's entries; throws an `Error` when it is malformed,
 * including a state that is not JSON (every receiving client would throw parsing it).
 */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const d = decoding.createDecoder(update);
  const count = decoding.readVarUint(d);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    const state = decoding.readVarString(d);
    JSON.parse(state);
    entries.push({ clientId, clock, state });
  }
  if (d.pos !== update.length) throw new Error('trailing or missing bytes in awareness update');
  return entries;
}

/** A y-protocols awareness update of `entries`. */
export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, state);
  }
  return encoding.toUint8Array(e);
}
