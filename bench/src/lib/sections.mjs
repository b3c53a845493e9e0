// RESULTS.md sections written by their own runs (the soak, the y-websocket providers), kept when
// the other workloads are run again.

/**
 * `markdown` with the `## ` section whose heading starts with `heading` replaced by `section`, or,
 * if it has none, followed by it.
 */
export function withSection(markdown, heading, section) {
  const start = markdown.indexOf(`\n${heading}`);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const next = markdown.indexOf('\n## ', start + 1);
  return `${markdown.slice(0, start + 1)}${section}${next < 0 ? '' : `\n${markdown.slice(next + 1)}`}`;
}
