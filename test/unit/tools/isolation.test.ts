import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, test } from 'vitest';

/** Every source file reachable from `entry` through relative imports (static and dynamic). */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = join(dirname(file), match[1]!).replace(/\.js$/, '.ts');
      if (existsSync(target)) visit(target);
    }
  };
  visit(entry);
  return seen;
}

test('the browser entry never reaches the Node-side tools', () => {
  const files = [...reachable('src/index.ts')].map((f) => relative('.', f));
  expect(files.length).toBeGreaterThan(5);
  expect(files.filter((f) => f.startsWith('src/tools/'))).toEqual([]);
});
