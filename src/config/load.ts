/**
 * accounts.yml → Desired, or every problem in the file at once.
 *
 * Order: the bytes (at most MAX_DSL_BYTES, UTF-8), YAML syntax and aliases, then the
 * schema (each section on its own, so one broken account does not hide problems
 * elsewhere), then layering and cross-checks on the entries that parsed.
 */
import { resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { cached } from '../run-cache.js';
import { byPosition, hasErrors, type Diagnostic, type Problem } from './diagnostics.js';
import { checkAccess, checkEcrGrants, checkOrganization, checkOuPaths, checkScopes, checkUniqueness } from './cross-checks.js';
import { collectOus, resolveAccount, type Desired, type DesiredAccount, type DslParts } from './resolve.js';
import { Account, Dsl, EcrRepository, Organization, Scope, Settings } from './schema.js';
import { expectationFor, schemaProblems } from './schema-problems.js';
import { MAX_DSL_BYTES } from './input-limits.js';
import { decodeInput, inputTooLarge, readInput } from './read-input.js';
import { YamlSource } from './yaml-source.js';

export interface ConfigResult {
  /** Present only when there is no error. */
  desired?: Desired;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
  /** The file, to place later problems (those of scps/, say) in it. */
  source?: ConfigSource;
}

/** Places a problem in accounts.yml, and says what a key path holds there. */
export type ConfigSource = Pick<YamlSource, 'locate' | 'describeValue'>;

/** parseConfig's result, with the parsed file itself. */
export type ParsedConfig = ConfigResult & { source?: YamlSource };

/**
 * Without zod's fast path, which writes a parser for each object schema as source code and
 * compiles it with `new Function` at its first parse: that code is in no code cache, and for
 * one run's parse it cost more than it saved (validate of the example ~5–10 ms slower,
 * of 5,012 accounts no faster; bench/validate.ts).
 */
const PARSE_OPTIONS = { error: expectationFor, reportInput: true, jitless: true } as const;

function parsed<T>(schema: { safeParse(v: unknown, o: typeof PARSE_OPTIONS): { success: boolean; data?: T } }, value: unknown): T | undefined {
  const result = schema.safeParse(value, PARSE_OPTIONS);
  return result.success ? result.data : undefined;
}

/** The entries of a section that are valid on their own; broken ones are already reported. */
function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validEntries<T>(schema: Parameters<typeof parsed<T>>[0], section: unknown): Record<string, T> {
  if (!isMap(section)) return {};
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(section)) {
    const entry = parsed<T>(schema, value);
    if (entry !== undefined) out[key] = entry;
  }
  return out;
}

export function parseConfig(file: string, text: string): ParsedConfig {
  // readConfig has checked as much before reading; text handed in directly is held to it too.
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_DSL_BYTES) return { diagnostics: [inputTooLarge(file, bytes, MAX_DSL_BYTES)] };
  return parseSource(file, new YamlSource(file, text));
}

function parseSource(file: string, source: YamlSource, diagnostics = source.syntaxDiagnostics()): ParsedConfig {
  if (YamlSource.unreadable(diagnostics)) return { diagnostics: diagnostics.sort(byPosition) };
  return checkValues(file, source.toJS(), diagnostics, source);
}

/** The file's values checked against the schema, layered and cross-checked; `diagnostics`, the YAML's own. */
function checkValues<S extends ConfigSource>(file: string, raw: unknown, diagnostics: Diagnostic[], source: S): ConfigResult & { source?: S } {
  const problems: Problem[] = [];
  const whole = Dsl.safeParse(raw, PARSE_OPTIONS);
  if (!whole.success) problems.push(...schemaProblems(Dsl, whole.error.issues, (path) => source.describeValue(path)));

  const rawSections = isMap(raw) ? raw : {};
  const organization = whole.success ? whole.data.organization : parsed(Organization, rawSections.organization);
  const defaults = whole.success ? whole.data.defaults : parsed(Settings, rawSections.defaults ?? {});

  const scopes = whole.success ? whole.data.scopes : validEntries<Scope>(Scope, rawSections.scopes);
  const accountEntries = whole.success ? whole.data.accounts : validEntries<Account>(Account, rawSections.accounts);
  // A scope that is in the file but failed to parse is reported already; do not call it unknown.
  const scopeNames = Object.keys(isMap(rawSections.scopes) ? rawSections.scopes : {});
  const accountNames = Object.keys(isMap(rawSections.accounts) ? rawSections.accounts : {});
  problems.push(...checkScopes(accountEntries, scopeNames));

  const accounts: DesiredAccount[] = [];
  if (organization && defaults) {
    const parts: DslParts = {
      organization,
      defaults,
      scopes,
      accounts: accountEntries,
      ecrRepositories: whole.success ? whole.data.ecr_repositories : Object.values(validEntries<EcrRepository>(EcrRepository, rawSections.ecr_repositories)),
    };
    problems.push(...checkOrganization(parts, accountNames), ...checkOuPaths(parts), ...checkAccess(parts));
    for (const [name, account] of Object.entries(parts.accounts)) {
      const result = resolveAccount(name, account, parts);
      problems.push(...result.problems);
      if (result.account) accounts.push(result.account);
    }
    problems.push(...checkUniqueness(accounts, parts.accounts));
    // Grants are checked against the accounts' services, which are known only when all resolved.
    if (accounts.length === accountNames.length) problems.push(...checkEcrGrants(parts, accounts));

    if (whole.success && !problems.some((p) => (p.severity ?? 'error') === 'error') && !hasErrors(diagnostics)) {
      return {
        desired: { file, organization, scopes, accounts, ous: collectOus(organization, accounts), ecrRepositories: parts.ecrRepositories },
        diagnostics: [...diagnostics, ...problems.map((p) => source.locate(p))].sort(byPosition),
        source,
      };
    }
  }
  return { diagnostics: dedupe([...diagnostics, ...problems.map((p) => source.locate(p))]).sort(byPosition) };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.line}:${d.column}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A DSL file's bytes, checked: at most MAX_DSL_BYTES, UTF-8, then parseConfig. */
export function parseConfigBytes(file: string, bytes: Uint8Array): ParsedConfig {
  const { text, diagnostic } = decodeInput(file, bytes, MAX_DSL_BYTES);
  return diagnostic ? { diagnostics: [diagnostic] } : parseConfig(file, text);
}

/** Read and check a DSL file; `file` is reported as given, read relative to `cwd`. */
export async function readConfig(file: string, cwd = '.'): Promise<ConfigResult> {
  let read: ReturnType<typeof readInput>;
  try {
    read = readInput(resolve(cwd, file), file, MAX_DSL_BYTES);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return {
      diagnostics: [
        { code: 'yaml-syntax', severity: 'error', file, line: 1, column: 1, length: 1, path: '', message: `cannot read ${file}: ${reason}`, hint: 'pass the DSL file with --config FILE' },
      ],
    };
  }
  return read.diagnostic ? { diagnostics: [read.diagnostic] } : parseConfigKept(file, read.text);
}

/**
 * parseConfig, the YAML's values kept where the CLI keeps what it works out from the
 * repository's text (run-cache.ts): a run whose accounts.yml is byte for byte one a run
 * before it read (a commit that changes templates or policies alone; validate run again)
 * takes the file's values from there instead of parsing its YAML (25 ms of the example's
 * validate, 0.5 s of 5,000 accounts'), and checks them as ever: the schema, the layering,
 * the cross-checks. The file is parsed only when a problem needs a position in it. Values
 * are kept only from a file with no YAML problem, as V8 serializes them (an alias's shared
 * value stays shared), for this V8 alone.
 */
function parseConfigKept(file: string, text: string): ConfigResult {
  let fresh: ParsedConfig | undefined;
  const kept = cached(['accounts.yml values', process.versions.v8, text], () => {
    const source = new YamlSource(file, text);
    const syntax = source.syntaxDiagnostics();
    if (syntax.length) {
      fresh = parseSource(file, source, syntax);
      return undefined;
    }
    const values = source.toJS();
    const serialized = serialize(values).toString('base64');
    fresh = checkValues(file, values, [], source);
    return serialized;
  });
  if (fresh) return fresh;
  // Nothing parsed, so the values were kept by an earlier run (cached computes whenever none are).
  let source: YamlSource | undefined;
  const lazy = () => (source ??= new YamlSource(file, text));
  return checkValues(file, deserialize(Buffer.from(kept!, 'base64')), [], { locate: (problem) => lazy().locate(problem), describeValue: (path) => lazy().describeValue(path) });
}
