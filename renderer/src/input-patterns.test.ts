import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A browser compiles an input's `pattern` as `^(?:<pattern>)$` with the `v` flag (HTML spec, "the pattern
 * attribute"). If that throws, the browser drops the pattern without a word and accepts anything: the set-up
 * id fields did this with `[a-z0-9-]` (an unescaped `-` is a syntax error in a `v` class). So every pattern
 * in the renderer is compiled here exactly as a browser would.
 */
const SRC = fileURLToPath(new URL('.', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx$/.test(e.name) && !/\.test\.tsx$/.test(e.name) ? [path] : [];
  });
}

interface PatternUse {
  file: string;
  line: number;
  pattern: string | null;
}

function patternUses(): PatternUse[] {
  return sourceFiles(SRC).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((text, i) => [...text.matchAll(/\bpattern=(?:"([^"]*)"|\{)/g)].map((m) => ({ file: relative(SRC, file), line: i + 1, pattern: m[1] ?? null }))),
  );
}

describe('input patterns', () => {
  const uses = patternUses();

  it('finds the patterns it checks (the set-up id and PIN fields among them)', () => {
    expect(uses.some((u) => u.file.endsWith('SetupTab.tsx'))).toBe(true);
    expect(uses.length).toBeGreaterThanOrEqual(5);
  });

  it.each(uses.map((u) => [`${u.file}:${u.line}`, u] as const))('%s compiles with the v flag, as browsers compile it', (_where, use) => {
    // A pattern built in an expression could not be checked here; a literal can.
    expect(use.pattern, 'write the pattern as a string literal so this test can compile it').not.toBeNull();
    expect(() => new RegExp(`^(?:${use.pattern})$`, 'v')).not.toThrow();
  });

  it('the id fields accept an id and refuse what the server would refuse', () => {
    for (const use of uses.filter((u) => u.pattern?.startsWith('[a-z0-9]['))) {
      const re = new RegExp(`^(?:${use.pattern})$`, 'v');
      expect(re.test('spring-flash-mall'), `${use.file}:${use.line}`).toBe(true);
      expect(re.test('Spring Mall'), `${use.file}:${use.line}`).toBe(false);
      expect(re.test('-leading-dash'), `${use.file}:${use.line}`).toBe(false);
    }
  });
});
