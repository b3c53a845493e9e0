// Rewrites the generated sections of docs/protocol.md (message layouts, error table) from the built
// protocol package and its test vectors. Run through `npm run docs:protocol`, which builds first.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERRORS, MESSAGES } from '../packages/protocol/dist/index.js';
import { renderDoc } from './protocol-doc.mjs';

const DOC = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));
const VECTORS = fileURLToPath(new URL('../packages/protocol/test/vectors.json', import.meta.url));

const vectors = JSON.parse(readFileSync(VECTORS, 'utf8'));
const before = readFileSync(DOC, 'utf8');
const after = renderDoc(before, { messages: MESSAGES, errors: ERRORS, vectors });
if (after === before) {
  console.log('docs/protocol.md is up to date');
} else {
  writeFileSync(DOC, after);
  console.log('updated docs/protocol.md');
}
