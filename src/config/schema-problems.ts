/**
 * zod issues → problems that say what was expected and, with the YAML source, what was found.
 */
import type { z } from 'zod';
import type { KeyPath, Problem } from './diagnostics.js';
import { closest, didYouMean } from './suggest.js';

type Issue = z.core.$ZodIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  record: 'a map',
  null: 'an empty value',
};

/** The parse-level error map: phrases that complete "expected …" for issues the schema left generic. */
export function expectationFor(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_WORDS[issue.expected] ?? issue.expected;
    case 'too_small':
      if (issue.origin === 'array') return `at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `at least ${issue.minimum} character${issue.minimum === 1 ? '' : 's'}`;
      return `a number ${issue.inclusive ? '≥' : '>'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `at most ${issue.maximum} characters`;
      return `a number ${issue.inclusive ? '≤' : '<'} ${issue.maximum}`;
    case 'invalid_value':
      return `one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return `a valid ${issue.format}`;
    default:
      return 'a valid value';
  }
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDefLike } }>;
  innerType?: { _zod: { def: ZodDefLike } };
  valueType?: { _zod: { def: ZodDefLike } };
  element?: { _zod: { def: ZodDefLike } };
  in?: { _zod: { def: ZodDefLike } };
}

/** The keys an object schema accepts at `path`, for "did you mean" hints. */
export function knownKeysAt(schema: z.ZodType, path: KeyPath): string[] {
  let def = (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
  const unwrap = () => {
    while (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) def = (def.innerType ?? def.in)!._zod.def;
  };
  for (const segment of path) {
    unwrap();
    const next =
      def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'record' ? def.valueType : def.type === 'array' ? def.element : undefined;
    if (!next) return [];
    def = next._zod.def;
  }
  unwrap();
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

export function schemaProblems(schema: z.ZodType, issues: readonly Issue[], describe: (path: KeyPath) => string): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const path = issue.path as KeyPath;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        return issue.keys.map((key) => ({
          code: 'unknown-key',
          path: [...path, key],
          at: 'key',
          message: `unknown key "${key}"`,
          expected: known.length ? `one of: ${known.join(', ')}` : undefined,
          hint: didYouMean(key, known),
        }));
      }
      case 'invalid_key': {
        const inner = issue.issues[0];
        return [
          {
            code: 'invalid-key',
            path,
            at: 'key',
            message: `invalid key "${String(path.at(-1))}"`,
            expected: inner?.message ?? issue.message,
            found: `"${String(path.at(-1))}"`,
          },
        ];
      }
      default: {
        const found = describe(path);
        if (issue.code === 'invalid_type' && issue.input === undefined) {
          return [
            {
              code: 'missing-key',
              path,
              message: `missing required key "${String(path.at(-1))}"`,
              expected: issue.message,
            },
          ];
        }
        const suggestion =
          issue.code === 'invalid_value' && typeof issue.input === 'string'
            ? closest(issue.input, issue.values.map(String))
            : undefined;
        return [
          {
            code: issue.code === 'invalid_type' ? 'invalid-type' : 'invalid-value',
            path,
            message: `expected ${issue.message}, found ${found}`,
            expected: issue.message,
            found,
            hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
          },
        ];
      }
    }
  });
}
