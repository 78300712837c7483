/**
 * Tag, backup and AI services opt-out policies: AWS's management-policy syntax, checked
 * offline to the level AWS documents for every one of them. One top-level key per type
 * (`tags`, `plans`, `services`), objects all the way down, and the inheritance operators
 * (`@@assign`, `@@append`, `@@remove`, `@@operators_allowed_for_child_policies`) spelt as AWS spells them: a misspelt operator would otherwise be taken
 * for a tag key or a plan name and do nothing. What each service makes of its keys is
 * checked by AWS when the policy is created.
 */
import type { KeyPath, Problem } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import type { PolicyKind } from './policy-types.js';
import { minify } from './validate.js';

const OPERATORS = ['@@assign', '@@append', '@@remove', '@@operators_allowed_for_child_policies'];
const CHILD_OPERATORS = ['@@all', '@@none', '@@assign', '@@append', '@@remove'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: unknown) => JSON.stringify(value) ?? String(value);
const count = (n: number) => n.toLocaleString('en-US');
const a = (label: string) => `${/^[AEIOU]/i.test(label) ? 'an' : 'a'} ${label}`;

export function validateManagementPolicy(document: unknown, kind: PolicyKind): Problem[] {
  const problems: Problem[] = [];
  const report = (path: KeyPath, message: string, details: Pick<Problem, 'at' | 'expected' | 'found' | 'hint'> = {}) =>
    problems.push({ code: 'policy-content', severity: 'error', path, message, ...details });
  const top = kind.topKey!;
  if (!isObject(document)) {
    report([], `${a(kind.label)} must be a JSON object`, { expected: `{ "${top}": { … } }`, found: show(document) });
    return problems;
  }
  for (const key of Object.keys(document).filter((k) => k !== top)) {
    report([key], `unknown top-level key "${key}" in ${a(kind.label)}`, { at: 'key', expected: `only "${top}"`, found: key, hint: didYouMean(key, [top]) });
  }
  if (!(top in document)) report([], `${a(kind.label)} has one top-level key, "${top}"`, { expected: `{ "${top}": { … } }` });
  else if (!isObject(document[top])) report([top], `"${top}" must be an object`, { found: show(document[top]) });
  else walk(document[top], [top], report);

  const size = minify(document).length;
  if (size > kind.maxCharacters) {
    report([], `the policy is ${count(size)} characters once minified; AWS's limit for ${a(kind.label)} is ${count(kind.maxCharacters)}: ${count(size - kind.maxCharacters)} over`, {
      expected: `at most ${count(kind.maxCharacters)} characters`,
      found: `${count(size)} characters`,
      hint: 'split it in two policies attached to the same target',
    });
  }
  return problems;
}

type Report = (path: KeyPath, message: string, details?: Pick<Problem, 'at' | 'expected' | 'found' | 'hint'>) => void;

function walk(node: Record<string, unknown>, path: KeyPath, report: Report): void {
  for (const [key, value] of Object.entries(node)) {
    const at = [...path, key];
    if (key.startsWith('@@')) {
      if (!OPERATORS.includes(key)) {
        report(at, `unknown operator "${key}"`, { at: 'key', expected: OPERATORS.join(', '), found: key, hint: didYouMean(key, OPERATORS) });
      } else if (key === '@@operators_allowed_for_child_policies') {
        const values = Array.isArray(value) ? value : [value];
        values.forEach((v: unknown, i) => {
          if (typeof v !== 'string' || !CHILD_OPERATORS.includes(v)) {
            report(Array.isArray(value) ? [...at, i] : at, `${key} lists operators a child policy may use`, { expected: CHILD_OPERATORS.join(', '), found: show(v), hint: typeof v === 'string' ? didYouMean(v, CHILD_OPERATORS) : undefined });
          }
        });
      } else if (!isScalarOrList(value) && !isObject(value)) {
        report(at, `${key} takes a string, a number, a boolean, a list of them or an object`, { found: show(value) });
      } else if (isObject(value)) {
        walk(value, at, report);
      }
      continue;
    }
    if (isObject(value)) walk(value, at, report);
    else report(at, `"${key}" must be an object, whose values are set with an operator such as @@assign`, { expected: `{ "@@assign": ${show(value)} }`, found: show(value) });
  }
}

const isScalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
const isScalarOrList = (value: unknown) => isScalar(value) || (Array.isArray(value) && value.every(isScalar));
