import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export { type AwarenessEntry, decodeAwarenessUpdate, encodeAwarenessUpdate } from '@tandem/yjs';

/**
 * The y-websocket wire format (y-protocols): every frame starts with a varuint message type; a sync
 * frame then holds a varuint step and a length-prefixed payload (Yjs v1 encoding), an awareness
 * frame a length-prefixed awareness update.
 */
export const Y_MESSAGE = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;

/** The sync steps of a `sync` frame. */
export const Y_SYNC = { step1: 0, step2: 1, update: 2 } as const;

/** One frame a y-websocket client sends, decoded. */
export type YFrame =
  | { kind: 'step1'; stateVector: Uint8Array }
  | { kind: 'step2'; update: Uint8Array }
  | { kind: 'update'; update: Uint8Array }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'queryAwareness' };

/** Decodes a client's frame; throws an `Error` naming what is wrong with a malformed one. */
export function decodeYFrame(frame: Uint8Array): YFrame {
  const d = decoding.createDecoder(frame);
  const type = decoding.readVarUint(d);
  let out: YFrame;
  if (type === Y_MESSAGE.sync) {
    const step = decoding.readVarUint(d);
    const data = decoding.readVarUint8Array(d);
    if (step === Y_SYNC.step1) out = { kind: 'step1', stateVector: data };
    else if (step === Y_SYNC.step2) out = { kind: 'step2', update: data };
    else if (step === Y_SYNC.update) out = { kind: 'update', update: data };
    else throw new Error(`unknown sync step ${step}`);
  } else if (type === Y_MESSAGE.awareness) {
    out = { kind: 'awareness', update: decoding.readVarUint8Array(d) };
  } else if (type === Y_MESSAGE.queryAwareness) {
    out = { kind: 'queryAwareness' };
  } else {
    throw new Error(`message type ${type} is not one a client sends`);
  }
  // lib0 reads past the end as garbage in some paths and throws in others: both are refused.
  if (d.pos !== frame.length) throw new Error('trailing or missing bytes');
  return out;
}

/** A sync frame of `step` carrying `data`. */
export function encodeSync(step: number, data: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, Y_MESSAGE.sync);
  encoding.writeVarUint(e, step);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

/** An awareness frame carrying `update`. */
export function encodeAwareness(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, Y_MESSAGE.awareness);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/**
 * The Yjs client ids of an awareness update, read without decoding its states (undefined when it
 * is malformed). Cheap enough to run on every update a provider sends back.
 */
export function awarenessClientIds(update: Uint8Array, from = 0): number[] | undefined {
  try {
    const d = decoding.createDecoder(update.subarray(from));
    const count = decoding.readVarUint(d);
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(decoding.readVarUint(d));
      decoding.readVarUint(d);
      const length = decoding.readVarUint(d);
      if (d.pos + length > d.arr.length) return undefined;
      d.pos += length;
    }
    return d.pos === d.arr.length ? ids : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A y-websocket frame of the given message type and sync step (`step` undefined: an awareness
 * frame) around `payload`, bytes that already hold a varuint length and the data after it. The
 * room's `yjs` and `peerAwareness` frames end with exactly that, so the bridge hands them on with
 * one copy and no decoding.
 */
export function yFrameAround(type: number, step: number | undefined, payload: Uint8Array): Uint8Array {
  const head = step === undefined ? 1 : 2;
  const out = new Uint8Array(head + payload.length);
  out[0] = type;
  if (step !== undefined) out[1] = step;
  out.set(payload, head);
  return out;
}
