#!/usr/bin/env node
// Typechecks every TypeScript example in docs/ and the READMEs, so an example cannot drift from
// the API it shows. Each fenced `ts`/`tsx` block becomes a module of its own; the names examples
// use without declaring them (`room`, `client`, `render`, …) are declared once in
// scripts/doc-examples/globals.d.ts. A block fenced as `ts no-check` is shown, not checked: keep
// that for what is not TypeScript on its own (a signature excerpt, say).
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'node_modules', '.cache', 'doc-examples');

/** Markdown files whose examples are checked: docs/, the root README and each package's. */
function markdownFiles() {
  const files = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f));
  files.push(join(root, 'README.md'));
  for (const dir of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(root, dir))) {
      const readme = join(root, dir, pkg, 'README.md');
      if (existsSync(readme)) files.push(readme);
    }
  }
  return files;
}

/** The checked blocks of one file: where each starts, its extension and its text. */
function blocksOf(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  let open;
  lines.forEach((line, i) => {
    if (open) {
      if (/^\s*```\s*$/.test(line)) {
        blocks.push(open);
        open = undefined;
      } else open.lines.push(line);
      return;
    }
    const fence = /^\s*```(ts|tsx|typescript)(\s+.*)?$/.exec(line);
    if (fence && !/\bno-check\b/.test(fence[2] ?? '')) {
      open = { line: i + 2, ext: fence[1] === 'tsx' ? 'tsx' : 'ts', lines: [] };
    }
  });
  return blocks;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
copyFileSync(join(root, 'scripts', 'doc-examples', 'globals.d.ts'), join(out, 'globals.d.ts'));
writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
/** Generated file name → where its block is in the docs. */
const origin = new Map();
let count = 0;
for (const file of markdownFiles()) {
  const rel = relative(root, file);
  for (const block of blocksOf(file)) {
    const name = `${rel.replace(/[/.]/g, '_')}_${block.line}.${block.ext}`;
    // `export {}` makes every block a module: its names stay its own, and top-level await works.
    writeFileSync(join(out, name), `${block.lines.join('\n')}\nexport {};\n`);
    origin.set(name, { rel, line: block.line });
    count++;
  }
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        composite: false,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        noEmit: true,
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
        customConditions: ['source'],
        jsx: 'react-jsx',
        // Examples leave things unused on purpose (a value shown, a handler named).
        noUnusedLocals: false,
      },
      include: ['*.ts', '*.tsx'],
    },
    null,
    2,
  ),
);

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: out,
    encoding: 'utf8',
    stdio: 'pipe',
  });
} catch (error) {
  const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  // Point each error at the documentation line it comes from.
  const mapped = output.replace(/^([^\s(]+)\((\d+),(\d+)\)/gm, (whole, file, line, col) => {
    const from = origin.get(file.split('/').pop());
    return from ? `${from.rel}:${from.line + Number(line) - 1}:${col}` : whole;
  });
  process.stderr.write(`documentation examples do not typecheck:\n${mapped}`);
  process.exit(1);
}
console.log(`${count} documentation examples typecheck`);
