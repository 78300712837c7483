/** Build DSL texts in memory from the minimal fixture, changing keys by path. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseConfig, type ConfigResult } from '../../src/config/load.js';
import type { Desired } from '../../src/config/resolve.js';

export const MINIMAL_PATH = new URL('../fixtures/valid/minimal.yml', import.meta.url);
/** A copy of the example accounts.yml the project ships: tests own it, so an adopter's edits to accounts.yml break none. */
export const EXAMPLE_PATH = new URL('../fixtures/repo/accounts.yml', import.meta.url);

export const minimalText = (): string => readFileSync(MINIMAL_PATH, 'utf8');
export const exampleText = (): string => readFileSync(EXAMPLE_PATH, 'utf8');

/** The minimal DSL with `changes` applied: `[path, value]`, value `undefined` deletes the key. */
export function dslText(changes: [path: (string | number)[], value: unknown][] = [], base = minimalText()): string {
  const doc = parseDocument(base);
  for (const [path, value] of changes) {
    if (value === undefined) doc.deleteIn(path);
    else doc.setIn(path, doc.createNode(value));
  }
  return doc.toString();
}

export function parse(changes: Parameters<typeof dslText>[0] = [], base?: string): ConfigResult {
  return parseConfig('accounts.yml', dslText(changes, base));
}

/** The resolved DSL of `dslText(changes, base)`; throws when that is invalid. */
export function desiredOf(changes: Parameters<typeof dslText>[0] = [], base?: string): Desired {
  const result = parse(changes, base);
  if (!result.desired) throw new Error(JSON.stringify(result.diagnostics));
  return result.desired;
}

export function errorsOf(result: ConfigResult) {
  return result.diagnostics.filter((d) => d.severity === 'error');
}
