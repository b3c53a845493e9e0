import { OPTION_SPECS, type OptionSpec } from './options.js';

const UNIT_SHORT = { seconds: 's', ms: 'ms', days: 'days', bytes: 'bytes' } as const;

/** An option's default as people read it: with its unit, or the declared words for it. */
export function defaultText(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.kind === 'string' && spec.default === '') return 'none';
  const value = typeof spec.default === 'string' ? spec.default : String(spec.default);
  return spec.unit ? `${value} ${UNIT_SHORT[spec.unit]}` : value;
}

/** The bounds of a number option (`1-3600`, `>= 1024`), or empty. */
export function boundsText(spec: OptionSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min}-${spec.max}`;
  if (spec.min !== undefined) return `>= ${spec.min}`;
  if (spec.max !== undefined) return `<= ${spec.max}`;
  return '';
}

/** How the flag is written, with what its value looks like. */
export function flagText(spec: OptionSpec): string {
  if (spec.kind === 'bool') return `--[no-]${spec.flag}`;
  const value =
    spec.kind === 'int' ? '<n>' : typeof spec.kind === 'object' ? `<${spec.kind.enum.join('|')}>` : '<value>';
  return `--${spec.flag} ${value}`;
}

/** The markdown options table of docs/server.md, between its `options` markers. */
export function optionsTable(): string {
  const rows = OPTION_SPECS.map((spec) => [
    `\`${spec.key}\``,
    `\`--${spec.kind === 'bool' ? `[no-]${spec.flag}` : spec.flag}\``,
    spec.env.map((name) => `\`${name}\``).join(', '),
    escapeCell(defaultText(spec)),
    boundsText(spec),
    escapeCell(spec.doc),
  ]);
  return markdownTable(['option (file key)', 'flag', 'environment', 'default', 'range', 'meaning'], rows);
}

/** Former spellings still accepted, as a markdown list for the docs. */
export function formerNamesList(): string {
  return OPTION_SPECS.filter((spec) => spec.formerly)
    .map((spec) => {
      const was = spec.formerly as NonNullable<OptionSpec['formerly']>;
      return `- \`${was.key}\` (\`--${was.flag}\`, \`${was.env}\`): now \`${spec.key}\``;
    })
    .join('\n');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** A table padded as the repository's formatter pads one, so the generated text is left as is. */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const SECTIONS: [name: string, render: () => string][] = [
  ['options', optionsTable],
  ['former-options', formerNamesList],
];

/**
 * `doc` (docs/server.md) with its generated sections rewritten: the text between each
 * `<!-- name:begin -->` and `<!-- name:end -->` marker pair. Throws when a marker is missing.
 */
export function renderOptionsDoc(doc: string): string {
  let out = doc;
  for (const [name, render] of SECTIONS) {
    const begin = `<!-- ${name}:begin -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs: no ${begin} ... ${end} section`);
    out = `${out.slice(0, from + begin.length)}\n\n${render()}\n\n${out.slice(to)}`;
  }
  return out;
}
