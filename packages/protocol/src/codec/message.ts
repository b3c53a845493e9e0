import { MESSAGES, type MessageName, type MessageSpec } from '../schema.js';
import type { Message } from '../types.js';
import { DecodeError } from './decode-error.js';
import { readFields, writeFields } from './fields.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

const byTag: (readonly [MessageName, MessageSpec] | undefined)[] = new Array(256);
for (const [name, spec] of Object.entries(MESSAGES) as [MessageName, MessageSpec][]) {
  if (byTag[spec.tag]) throw new Error(`duplicate tag 0x${spec.tag.toString(16)}`);
  byTag[spec.tag] = [name, spec];
}

/** Type tag of message `name`. */
export function tagOf(name: MessageName): number {
  return MESSAGES[name].tag;
}

/** Name of the message with `tag`, if any. */
export function nameOfTag(tag: number): MessageName | undefined {
  return byTag[tag]?.[0];
}

/** Encodes one message into a fresh frame. */
export function encode(message: Message): Uint8Array {
  const spec: MessageSpec = MESSAGES[message.type];
  const w = new Writer(initialCapacity(message));
  w.u8(spec.tag);
  writeFields(w, spec.fields, message as unknown as Record<string, unknown>);
  return w.finish();
}

/** Large payloads are sized up front so a 512 KB document is copied once, not doubled into place. */
function initialCapacity(message: Message): number {
  switch (message.type) {
    case 'lwwSet':
    case 'lwwDoc':
      return message.doc.length + 32;
    case 'yjs':
      return message.data.length + 16;
    case 'opSubmit':
    case 'op':
      return message.op.length + message.resource.length * 3 + 32;
    default:
      return 64;
  }
}

/**
 * Decodes one frame. Throws {@link DecodeError} (never anything else) for any input that is not
 * exactly one valid message; the error names the byte offset.
 */
export function decode(frame: Uint8Array): Message {
  if (frame.length === 0) throw new DecodeError('empty-frame', 0, 'a frame needs at least its type tag');
  const entry = byTag[frame[0]!];
  if (!entry) throw new DecodeError('unknown-type', 0, `no message has type tag 0x${hex(frame[0]!)}`);
  const [name, spec] = entry;
  const r = new Reader(frame);
  r.u8();
  const message = name === 'batch' ? readBatch(r) : readFields(r, spec.fields, { type: name });
  if (r.remaining > 0) {
    throw new DecodeError('trailing-bytes', r.offset, `${r.remaining} byte(s) after the end of ${name}`);
  }
  return message as Message;
}

/** Batches never nest, so a hostile frame cannot force unbounded recursion downstream. */
function readBatch(r: Reader): Record<string, unknown> {
  const n = r.count('frames');
  const frames: { frame: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const frame = r.bytes();
    if (frame[0] === MESSAGES.batch.tag)
      throw new DecodeError('nested-batch', at, 'a batch may not contain a batch');
    frames.push({ frame });
  }
  return { type: 'batch', frames };
}

/** Result form of {@link decode} for callers that prefer not to catch. */
export type DecodeResult = { ok: true; message: Message } | { ok: false; error: DecodeError };

/** Like {@link decode}, returning the error instead of throwing it. */
export function tryDecode(frame: Uint8Array): DecodeResult {
  try {
    return { ok: true, message: decode(frame) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error };
    throw error;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
