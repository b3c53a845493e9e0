import { parseBase64 } from '../rooms/content-json.js';
import { HttpError } from './json.js';

/** JSON around a document besides the document itself: its field names and other fields. */
const ENVELOPE_BYTES = 16 * 1024;

/**
 * The largest JSON body that can carry a document of `maxDocBytes` as base64: a larger body is
 * refused (413) before it is read, or as soon as it grows past this.
 */
export function documentBodyLimit(maxDocBytes: number): number {
  return Math.ceil(maxDocBytes / 3) * 4 + ENVELOPE_BYTES;
}

/**
 * A document sent as a base64 string in field `name`: its bytes, or a 400 that names the field.
 * Its size is the room's to judge (`DocTooLarge`), as for any edit.
 */
export function documentField(value: unknown, name: string): Uint8Array {
  const bytes = typeof value === 'string' ? parseBase64(value) : undefined;
  if (!bytes)
    throw new HttpError(400, 'BadRequest', `${name} must be a base64 string (standard alphabet, padded)`);
  return bytes;
}
