// Rewrites the generated options sections of docs/server.md from the server's option declarations
// (packages/server/src/config/options.ts). Run through `npm run docs:options`, which builds first.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOptionsDoc } from '../packages/server/dist/config/describe.js';

const DOC = fileURLToPath(new URL('../docs/server.md', import.meta.url));

const before = readFileSync(DOC, 'utf8');
const after = renderOptionsDoc(before);
if (after === before) {
  console.log('docs/server.md is up to date');
} else {
  writeFileSync(DOC, after);
  console.log('updated docs/server.md');
}
