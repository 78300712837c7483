/**
 * Service control policies, evaluated offline: would a sample request be allowed in an
 * account, given the SCPs attached at each level from the Root down to it? This previews a
 * policy change before it reaches the organization, where a mistake locks people out.
 * Some conditions depend on what only AWS knows at request time (instance type, tags, the
 * organization id); those make the answer `unknown` rather than a guess, and the reason
 * names the statement and the key, so the reader knows what to check.
 * (@cloud-copilot/iam-simulate evaluates SCPs too, but it is AGPL-3.0, which orgvend's
 * Apache-2.0 cannot take in, and it answers allowed or denied for the context it is given,
 * where this preview must say "unknown" for what only AWS knows at request time.)
 */

import { parseOperator } from './validate.js';

export type Decision = 'allowed' | 'denied' | 'unknown';

type ConditionValue = string | number | boolean;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, ConditionValue | ConditionValue[]>>;
}
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement | PolicyStatement[];
}
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** One level of the organization: Root, then each OU down to the account, then the account itself. */
export interface Level {
  target: string;
  policies: readonly NamedPolicy[];
}

export interface SampleRequest {
  /** e.g. `ec2:RunInstances` */
  action: string;
  /** The value of aws:RequestedRegion; absent for a global call. */
  region?: string;
  /** The value of aws:PrincipalArn, e.g. `arn:aws:iam::123456789012:role/Admin`. */
  principalArn?: string;
  /** The resource ARN; absent means "not known". */
  resource?: string;
  /**
   * Other condition keys the request carries, by name (`events:source`), each with its
   * values: a key listed here is known (an empty list: present with no value, as a set
   * key may be), any other is absent rather than unknown. For identity policies whose
   * conditions name service keys, as the CI roles' do.
   */
  context?: Record<string, readonly string[]>;
}

export interface Evaluation {
  decision: Decision;
  reason: string;
}

/** Whether a statement applies to the request; `unknown` carries why it cannot be told offline. */
type Applies = { state: 'yes' } | { state: 'no' } | { state: 'unknown'; why: string };

const YES: Applies = { state: 'yes' };
const NO: Applies = { state: 'no' };
const unknown = (why: string): Applies => ({ state: 'unknown', why });
const holds = (answer: boolean): Applies => (answer ? YES : NO);

/** AND over tri-state answers: one definite no settles it, whatever else is unknown. */
function all(answers: readonly Applies[]): Applies {
  if (answers.some((a) => a.state === 'no')) return NO;
  return answers.find((a) => a.state === 'unknown') ?? YES;
}

const listOf = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statementsOf = (document: PolicyDocument) => listOf(document.Statement);

/** Whether a policy allows anything at all: a target with no such policy allows nothing. */
export const hasAllow = (document: PolicyDocument) => statementsOf(document).some((s) => s.Effect === 'Allow');

/** Compiled patterns: the same few hundred are matched for every account and sample. */
const compiled = new Map<string, RegExp>();

/** IAM wildcards: `*` is any run of characters (none included), `?` exactly one. */
export function matchesPattern(pattern: string, value: string, caseSensitive: boolean): boolean {
  const key = `${caseSensitive ? 's' : 'i'}${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    const source = [...pattern]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    compiled.set(key, (regex = new RegExp(`^${source}$`, caseSensitive ? 's' : 'is')));
  }
  return regex.test(value);
}

/** `${aws:username}` and the like are filled in by AWS per request; matching them literally would mislead. */
const hasPolicyVariable = (values: readonly string[]) => values.some((v) => v.includes('${'));

function actionPart(statement: PolicyStatement, action: string): Applies {
  const matches = (patterns: string | string[]) => listOf(patterns).some((p) => matchesPattern(p, action, false));
  if (statement.Action !== undefined) return holds(matches(statement.Action));
  if (statement.NotAction !== undefined) return holds(!matches(statement.NotAction));
  return NO; // AWS rejects a statement with neither, so it can grant or deny nothing.
}

function resourcePart(statement: PolicyStatement, resource: string | undefined): Applies {
  const inverted = statement.Resource === undefined;
  const named = statement.Resource ?? statement.NotResource;
  if (named === undefined) return YES;
  const patterns = listOf(named);
  if (patterns.includes('*')) return holds(!inverted);
  if (resource === undefined) return unknown('depends on the resource, which the request does not name');
  if (hasPolicyVariable(patterns)) return unknown('names its resources with a policy variable, which cannot be resolved offline');
  return holds(patterns.some((p) => matchesPattern(p, resource, true)) !== inverted);
}

/** How one condition operator judges the values it lists against the request's value, if any. */
type Operator = (listed: readonly string[], actual: string | undefined) => boolean;

// IAM: a positive operator fails when the key is absent; a negated one ("matches none") holds.
const anyOf =
  (matches: (listed: string, actual: string) => boolean): Operator =>
  (listed, actual) =>
    actual !== undefined && listed.some((l) => matches(l, actual));
const noneOf =
  (matches: (listed: string, actual: string) => boolean): Operator =>
  (listed, actual) =>
    actual === undefined || !listed.some((l) => matches(l, actual));

const equals = (listed: string, actual: string) => listed === actual;
const equalsIgnoringCase = (listed: string, actual: string) => listed.toLowerCase() === actual.toLowerCase();
// Arn* match whole ARNs with wildcards, ArnEquals included, as IAM does.
const like = (listed: string, actual: string) => matchesPattern(listed, actual, true);

const OPERATORS = new Map<string, Operator>([
  ['StringEquals', anyOf(equals)],
  ['StringNotEquals', noneOf(equals)],
  ['StringEqualsIgnoreCase', anyOf(equalsIgnoringCase)],
  ['StringNotEqualsIgnoreCase', noneOf(equalsIgnoringCase)],
  ['StringLike', anyOf(like)],
  ['StringNotLike', noneOf(like)],
  ['ArnEquals', anyOf(like)],
  ['ArnLike', anyOf(like)],
  ['ArnNotEquals', noneOf(like)],
  ['ArnNotLike', noneOf(like)],
  ['Bool', anyOf(equalsIgnoringCase)],
  ['Null', (listed, actual) => listed.some((l) => (l.toLowerCase() === 'true') === (actual === undefined))],
]);

/** The condition keys a sample request can answer, by lower-cased name (keys are case-insensitive). */
const KNOWN_KEYS = new Map<string, (request: SampleRequest) => string | undefined>([
  ['aws:requestedregion', (r) => r.region],
  ['aws:principalarn', (r) => r.principalArn],
  ['aws:principalaccount', (r) => r.principalArn?.split(':')[4] || undefined],
]);

/** A key the request's `context` gives: its values, or undefined when the request does not carry it. */
function contextValues(request: SampleRequest, key: string): readonly string[] | undefined {
  const entry = Object.entries(request.context ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return entry?.[1];
}

/** A condition on a key of the request's `context`, as IAM judges single and multi-valued keys. */
function contextConditionHolds(prefix: string, base: string, judge: Operator | undefined, ifExists: boolean, listed: readonly string[], values: readonly string[] | undefined): Applies {
  if (base === 'Null') return holds(listed.some((l) => (l.toLowerCase() === 'true') === (values === undefined || values.length === 0)));
  if (!judge) return unknown(`uses the operator ${base}, which the evaluator does not support`);
  const one = (value: string | undefined) => judge(listed, value);
  // ForAllValues holds when every value matches, and so when there is none; ForAnyValue when one does.
  if (prefix.startsWith('ForAllValues')) return holds((values ?? []).every((v) => one(v)));
  if (prefix.startsWith('ForAnyValue')) return holds((values ?? []).some((v) => one(v)));
  if (values === undefined || values.length === 0) return holds(ifExists || one(undefined));
  if (values.length > 1) return unknown(`compares several values with ${base}, a single-valued operator`);
  return holds(one(values[0]));
}

function conditionHolds(operator: string, key: string, listed: readonly string[], request: SampleRequest): Applies {
  const { prefix, base, ifExists } = parseOperator(operator);
  const judge = OPERATORS.get(base);
  const values = request.context ? contextValues(request, key) : undefined;
  if (request.context && !KNOWN_KEYS.has(key.toLowerCase())) {
    if (hasPolicyVariable(listed)) return unknown(`compares ${key} with a policy variable, which cannot be resolved offline`);
    return contextConditionHolds(prefix, base, judge, ifExists, listed, values);
  }
  if (prefix) return unknown(`uses ${operator}, a multi-valued operator the evaluator does not support`);
  if (!judge) return unknown(`uses the operator ${operator}, which the evaluator does not support`);
  const read = KNOWN_KEYS.get(key.toLowerCase());
  if (!read) return unknown(`depends on ${key}, which cannot be known offline`);
  if (hasPolicyVariable(listed)) return unknown(`compares ${key} with a policy variable, which cannot be resolved offline`);
  const actual = read(request);
  if (actual === undefined && ifExists) return YES;
  return holds(judge(listed, actual));
}

function conditionPart(condition: PolicyStatement['Condition'], request: SampleRequest): Applies {
  const checks = Object.entries(condition ?? {}).flatMap(([operator, block]) =>
    Object.entries(block).map(([key, values]) => conditionHolds(operator, key, listOf(values).map(String), request)),
  );
  return all(checks);
}

function applies(statement: PolicyStatement, request: SampleRequest): Applies {
  return all([actionPart(statement, request.action), resourcePart(statement, request.resource), conditionPart(statement.Condition, request)]);
}

interface Judged {
  effect: PolicyStatement['Effect'];
  /** `policy (Sid) at Level`, or the statement's index when it has no Sid. */
  where: string;
  applies: Applies;
}

const doubt = (j: Judged) => (j.applies.state === 'unknown' ? `${j.where} ${j.applies.why}` : j.where);

/**
 * AWS's order: an explicit Deny anywhere wins; then every level, Root to account, must have
 * an Allow that applies. A Deny or Allow that cannot be decided offline makes the whole answer
 * unknown, unless something definite already settles it.
 */
export function evaluate(levels: readonly Level[], request: SampleRequest): Evaluation {
  // SCPs do not reach the management account; with no levels nothing restricts the request.
  if (levels.length === 0) return { decision: 'allowed', reason: 'no service control policy applies' };
  const judged = levels.map((level) => ({
    target: level.target,
    statements: level.policies.flatMap((policy): Judged[] =>
      statementsOf(policy.document).map((statement, index) => ({
        effect: statement.Effect,
        where: `${policy.name} (${statement.Sid ?? `Statement[${index}]`}) at ${level.target}`,
        applies: applies(statement, request),
      })),
    ),
  }));

  const denies = judged.flatMap((l) => l.statements).filter((s) => s.effect === 'Deny' && s.applies.state !== 'no');
  const denied = denies.find((s) => s.applies.state === 'yes');
  if (denied) return { decision: 'denied', reason: `denied by ${denied.where}` };

  const doubts = denies.map(doubt);
  for (const level of judged) {
    const allows = level.statements.filter((s) => s.effect === 'Allow' && s.applies.state !== 'no');
    if (allows.length === 0) return { decision: 'denied', reason: `no policy at ${level.target} allows ${request.action}` };
    if (allows.every((s) => s.applies.state === 'unknown')) {
      doubts.push(`${allows.map(doubt).join(' and ')}, and nothing else at ${level.target} allows ${request.action}`);
    }
  }
  if (doubts.length > 0) return { decision: 'unknown', reason: `unknown: ${doubts.join('; ')}` };
  return { decision: 'allowed', reason: 'allowed at every level' };
}
