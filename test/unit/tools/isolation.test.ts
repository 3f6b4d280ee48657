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

test('what a browser app installs: three runtime dependencies, none of them protobuf or Node-only', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['comlink', 'idb-keyval', 'onnxruntime-web']);
});

test('the CLI needs no dependency of its own: no node: import outside its entry points, no protobuf library', () => {
  const files = [...reachable('src/tools/index.ts')].map((f) => relative('.', f));
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    expect(source, file).not.toMatch(/from ['"](protobufjs|onnx-proto|long)['"/]/);
  }
  const nodeOnly = files.filter((f) => /from ['"]node:/.test(readFileSync(f, 'utf8')));
  expect(nodeOnly.every((f) => /src\/tools\/(cli|bin|verify|index)/.test(f)), nodeOnly.join(', ')).toBe(true);
});

