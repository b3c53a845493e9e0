import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DocVector, renderDoc } from '../../../scripts/protocol-doc.mjs';
import { ERRORS, MESSAGES } from '../src/index.js';
import { VECTORS_FILE } from './support/frames.js';

const DOC_FILE = fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url));

describe('docs/protocol.md', () => {
  const doc = readFileSync(DOC_FILE, 'utf8');

  it('matches the schema, the error table and the test vectors', () => {
    const vectors = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as DocVector[];
    const expected = renderDoc(doc, { messages: MESSAGES, errors: ERRORS, vectors });
    // Not toBe: a 1,500-line diff helps nobody; the fix is one command.
    expect(doc === expected, 'docs/protocol.md is out of date: run `npm run docs:protocol`').toBe(true);
  });

  it('has a section for every message', () => {
    for (const [name, spec] of Object.entries(MESSAGES)) {
      expect(doc).toContain(`### 0x${spec.tag.toString(16).padStart(2, '0')} \`${name}\``);
    }
  });
});
