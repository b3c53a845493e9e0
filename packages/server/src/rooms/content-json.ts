import { DOC_MODES, type DocMode } from '@tandem/protocol';
import type { DocumentContent } from '@tandem/room';

/** An operation as the service API and the cluster's calls carry it: bytes as base64. */
export interface OpJson {
  seq: number;
  slot: number;
  userId: string;
  resource: string;
  op: string;
}

/**
 * A room's document as JSON, the form the service API answers `GET /rooms/<id>/document` with and
 * nodes of a cluster pass each other: `version` is lww's version, ops' sequence, or 0 for Yjs;
 * `document` is base64 of the lww bytes, the ops snapshot at `baseSeq` (then `ops`), or the Yjs
 * state as one update.
 */
export type ContentJson =
  | { mode: 'lww'; version: number; document: string }
  | { mode: 'ops'; version: number; baseSeq: number; document: string; ops: OpJson[] }
  | { mode: 'yjs'; version: 0; document: string };

export function contentToJson(content: DocumentContent): ContentJson {
  switch (content.mode) {
    case 'lww':
      return { mode: 'lww', version: content.version, document: toBase64(content.doc) };
    case 'ops':
      return {
        mode: 'ops',
        version: content.seq,
        baseSeq: content.baseSeq,
        document: toBase64(content.base),
        ops: content.ops.map((o) => ({ ...o, op: toBase64(o.op) })),
      };
    case 'yjs':
      return { mode: 'yjs', version: 0, document: toBase64(content.update) };
    default:
      return content satisfies never;
  }
}

/** The inverse of {@link contentToJson}, for what another node of the cluster sent. */
export function contentFromJson(json: ContentJson): DocumentContent {
  const bytes = fromBase64(json.document);
  switch (json.mode) {
    case 'lww':
      return { mode: 'lww', version: json.version, doc: bytes };
    case 'ops':
      return {
        mode: 'ops',
        seq: json.version,
        baseSeq: json.baseSeq,
        base: bytes,
        ops: json.ops.map((o) => ({ ...o, op: fromBase64(o.op) })),
      };
    case 'yjs':
      return { mode: 'yjs', update: bytes };
    default:
      return json satisfies never;
  }
}

export function isDocMode(value: unknown): value is DocMode {
  return DOC_MODES.includes(value as DocMode);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 (standard alphabet, padded): Node's own decoder skips what it does not know. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes of a base64 string, or undefined when it is not strict base64. */
export function parseBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
