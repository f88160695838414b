/**
 * Parts of docs/benchmarks.md that other runs write between markers (`<!-- soak:start -->` …
 * `<!-- soak:end -->`; the chaos suite's `chaos`): `npm run bench` rewrites the file around them and must
 * carry them over unchanged.
 */
const start = (name: string) => `<!-- ${name}:start -->`;
const end = (name: string) => `<!-- ${name}:end -->`;

/** The marked section, markers included, or undefined when the file has none. */
export function markedSection(doc: string, name: string): string | undefined {
  const a = doc.indexOf(start(name));
  if (a < 0) return undefined;
  const b = doc.indexOf(end(name), a);
  if (b < 0) return undefined;
  return doc.slice(a, b + end(name).length);
}

/** Puts `body` between the markers, replacing what was there, or appends a new marked section. */
export function putMarkedSection(doc: string, name: string, body: string): string {
  const block = `${start(name)}\n${body.trim()}\n${end(name)}`;
  const old = markedSection(doc, name);
  return old === undefined ? `${doc.trimEnd()}\n\n${block}\n` : doc.replace(old, () => block);
}

/**
 * The rows of a section's own at-a-glance table (between `<!-- at-a-glance:start -->` and `…:end -->`, in the
 * targets table's columns), which `npm run bench` copies into the targets table so no target drops out of it.
 */
export function glanceRows(section: string): string[] {
  const a = section.indexOf('<!-- at-a-glance:start -->');
  const b = section.indexOf('<!-- at-a-glance:end -->');
  if (a < 0 || b < a) return [];
  return section
    .slice(a, b)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Figure '));
}

/**
 * Puts a section measured on its own (`npm run bench:cluster`) into the file together with its at-a-glance rows
 * in the "Targets at a glance" table: the rows the file's old section had are taken out of the table, the new
 * ones added at its end, so the table shows this run's figures without waiting for a whole `npm run bench`.
 * A file without that table gets the section alone.
 */
export function putSectionWithGlance(doc: string, name: string, body: string): string {
  const old = markedSection(doc, name);
  const oldRows = new Set(old ? glanceRows(old) : []);
  const lines = putMarkedSection(doc, name, body).split('\n');
  const head = lines.indexOf('## Targets at a glance');
  if (head < 0) return lines.join('\n');
  // The table: its header, its |---| line and its rows, every line starting with '|'.
  const first = lines.findIndex((l, i) => i > head && l.startsWith('|'));
  if (first < 0) return lines.join('\n');
  let end = first;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  const table = lines.slice(first, end).filter((l) => !oldRows.has(l));
  return [...lines.slice(0, first), ...table, ...glanceRows(body), ...lines.slice(end)].join('\n');
}
