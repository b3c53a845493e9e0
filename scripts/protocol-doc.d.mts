// Types for protocol-doc.mjs. Structural, so both the package sources (in tests) and its built
// output (in the CLI) fit.
export type DocFieldKind = string | { readonly enum: readonly string[] } | { readonly list: DocFieldList };
export type DocFieldList = readonly (readonly [name: string, kind: DocFieldKind])[];

export interface DocMessageSpec {
  readonly tag: number;
  readonly dir: 'c2s' | 's2c' | 'both';
  readonly doc: string;
  readonly fields: DocFieldList;
}

export interface DocErrorInfo {
  readonly code: number;
  readonly name: string;
  readonly fatal: boolean;
  readonly retry: boolean;
  readonly message: string;
}

/** A vector as stored in vectors.json (bytes still as `{ "$bytes": hex }`). */
export interface DocVector {
  readonly name: string;
  readonly hex: string;
  readonly message: { readonly type: string };
}

export function renderMessages(
  messages: Readonly<Record<string, DocMessageSpec>>,
  vectors: readonly DocVector[],
): string;
export function renderErrors(errors: Readonly<Record<number, DocErrorInfo>>): string;
export function syncDoc(text: string, sections: Readonly<Record<string, string>>): string;
/** `text` formatted as the repository's formatter (Biome) writes docs/protocol.md. */
export function formatDoc(text: string): string;
/** docs/protocol.md as it should read: `text` with its generated sections rewritten, then formatted. */
export function renderDoc(
  text: string,
  sources: {
    readonly messages: Readonly<Record<string, DocMessageSpec>>;
    readonly errors: Readonly<Record<number, DocErrorInfo>>;
    readonly vectors: readonly DocVector[];
  },
): string;
