/**
 * One service control policy, checked offline before orgvend sends it. AWS Organizations
 * rejects a malformed policy mid-run with a terse message about the first fault, after
 * earlier steps may already have changed the organization; here every fault is reported at
 * once, at its JSON path, while the fix is still a local edit.
 */
import { formatPath } from '../config/diagnostics.js';
import type { DiagnosticCode, KeyPath, Problem } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';

/** IAM condition operators, without the ForAllValues:/ForAnyValue: prefix and the IfExists suffix. */
export const CONDITION_OPERATORS: readonly string[] = [
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
];

const VERSION = '2012-10-17';
const DOCUMENT_KEYS = ['Version', 'Statement', 'Id'];
const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
const EFFECTS = ['Allow', 'Deny'];
const SET_PREFIXES = ['ForAllValues:', 'ForAnyValue:'];
const IF_EXISTS = 'IfExists';
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
const SID = /^[A-Za-z0-9]+$/;

/** Every spelling of an operator IAM accepts, so a misspelt one gets a whole suggestion back. */
const OPERATOR_SPELLINGS = ['', ...SET_PREFIXES].flatMap((prefix) =>
  CONDITION_OPERATORS.flatMap((op) => [`${prefix}${op}`, `${prefix}${op}${IF_EXISTS}`]),
);

/** The document as AWS receives it: JSON with no whitespace outside strings. */
export function minify(document: unknown): string {
  return JSON.stringify(document);
}

type Details = Pick<Problem, 'at' | 'expected' | 'found' | 'hint'>;
type Report = (code: DiagnosticCode, path: KeyPath, message: string, details?: Details) => void;
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
const show = (value: unknown) => JSON.stringify(value) ?? String(value);
const count = (n: number) => n.toLocaleString('en-US');

export interface DocumentOptions {
  maxCharacters: number;
  /** A resource control policy: Deny only, with Principal "*" and no NotAction (AWS's RCP syntax). */
  rcp?: boolean;
  /** Where the size limit comes from, for the message. */
  limitSource?: string;
}

/** RCP statements: the SCP keys, with Principal and without NotAction. */
const RCP_STATEMENT_KEYS = ['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'NotResource', 'Condition'];

/**
 * Every problem with one parsed SCP (or RCP) document. Paths are JSON paths into the document
 * (e.g. ['Statement', 2, 'Action', 0]); [] means the whole document.
 */
export function validatePolicyDocument(document: unknown, options: DocumentOptions): Problem[] {
  const problems: Problem[] = [];
  const report: Report = (code, path, message, details = {}) => {
    problems.push({ code, severity: 'error', path, message, ...details });
  };
  const what = options.rcp ? 'an RCP' : 'an SCP';
  if (!isObject(document)) {
    report('scp-syntax', [], `${what} document must be a JSON object`, { expected: 'an object with Version and Statement', found: show(document) });
    return problems;
  }

  for (const key of Object.keys(document).filter((k) => !DOCUMENT_KEYS.includes(k))) unknownKey([key], 'top-level key', DOCUMENT_KEYS, report);
  checkVersion(document, report);
  if ('Id' in document && typeof document.Id !== 'string') {
    report('scp-statement', ['Id'], 'Id must be a string', { found: show(document.Id) });
  }

  const sids = new Map<string, KeyPath>();
  for (const [statement, path] of statementsOf(document, report)) {
    if (options.rcp) checkRcpStatement(statement, path, report);
    else checkStatement(statement, path, report);
    const sid = statement.Sid;
    if (typeof sid !== 'string') continue;
    const first = sids.get(sid);
    if (first === undefined) sids.set(sid, path);
    else report('scp-statement', [...path, 'Sid'], `Sid "${sid}" is already used by ${formatPath(first)}; Sids must be unique within a policy`, { found: sid, hint: 'rename one of them' });
  }

  const size = minify(document).length;
  const limit = options.maxCharacters;
  if (size > limit) {
    report('scp-too-large', [], `the policy is ${count(size)} characters once minified; the limit (${options.limitSource ?? 'organization.limits.scp_max_characters'}) is ${count(limit)}: ${count(size - limit)} over`, {
      expected: `at most ${count(limit)} characters`,
      found: `${count(size)} characters`,
      hint: 'merge statements that share an Effect and Condition, use wildcards such as "ec2:Describe*", or split the policy in two',
    });
  }
  return problems;
}

function unknownKey(path: KeyPath, what: string, known: readonly string[], report: Report): void {
  const key = String(path.at(-1));
  report('scp-statement', path, `unknown ${what} "${key}"`, { at: 'key', expected: `only ${known.join(', ')}`, found: key, hint: didYouMean(key, known) });
}

function checkVersion(document: Json, report: Report): void {
  const details: Details = { expected: `"${VERSION}"`, hint: `the 2008-10-17 version lacks policy variables; AWS wants "Version": "${VERSION}"` };
  if (!('Version' in document)) report('scp-version', [], 'the policy has no Version', details);
  else if (document.Version !== VERSION) report('scp-version', ['Version'], `Version must be "${VERSION}"`, { ...details, found: show(document.Version) });
}

/** Statement may be one object or a list of them; paths follow whichever was written. */
function statementsOf(document: Json, report: Report): [Json, KeyPath][] {
  const statement = document.Statement;
  const expected = 'an object or a non-empty list of objects';
  if (!('Statement' in document)) {
    report('scp-statement', [], 'the policy has no Statement', { expected, hint: 'add "Statement": [{ "Effect": "Deny", "Action": …, "Resource": "*" }]' });
    return [];
  }
  if (isObject(statement)) return [[statement, ['Statement']]];
  if (!Array.isArray(statement) || statement.length === 0) {
    report('scp-statement', ['Statement'], 'Statement must be an object or a non-empty list of objects', { expected, found: show(statement) });
    return [];
  }
  return statement.flatMap((entry: unknown, i): [Json, KeyPath][] => {
    if (isObject(entry)) return [[entry, ['Statement', i]]];
    report('scp-statement', ['Statement', i], `statement ${i} is not an object`, { expected: 'an object with Effect, Action and Resource', found: show(entry) });
    return [];
  });
}

/** The statement keys that hold a string or a list of strings, and how each string is checked. */
const LISTS = [
  ['Action', 'scp-action', checkAction],
  ['NotAction', 'scp-action', checkAction],
  ['Resource', 'scp-resource', checkResource],
  ['NotResource', 'scp-resource', checkResource],
] as const;

/**
 * An RCP statement: AWS takes Allow only in its own RCPFullAWSAccess, and a Principal of "*"
 * (narrowed by conditions); the rest is checked as an SCP statement is.
 */
function checkRcpStatement(statement: Json, path: KeyPath, report: Report): void {
  const { Principal: principal, ...rest } = statement;
  if (!('Principal' in statement)) {
    report('scp-principal', path, 'an RCP statement needs "Principal": "*"', { expected: '"*"', hint: 'add "Principal": "*" and narrow it with a Condition such as aws:PrincipalOrgID' });
  } else if (principal !== '*') {
    report('scp-principal', [...path, 'Principal'], 'an RCP\'s Principal must be "*"', { expected: '"*"', found: show(principal), hint: 'write "*" and narrow it with a Condition on aws:PrincipalArn or aws:PrincipalOrgID' });
  }
  if ('NotAction' in statement) {
    report('scp-statement', [...path, 'NotAction'], 'an RCP has no NotAction', { at: 'key', expected: `only ${RCP_STATEMENT_KEYS.join(', ')}`, hint: 'list the actions in Action' });
  }
  if (statement.Effect === 'Allow') {
    report('scp-statement', [...path, 'Effect'], 'an RCP can only deny: AWS takes Allow only in its own RCPFullAWSAccess', { expected: '"Deny"', found: '"Allow"' });
  }
  const { NotAction: _notAction, ...checked } = rest;
  checkStatement(checked, path, report);
}

function checkStatement(statement: Json, path: KeyPath, report: Report): void {
  for (const key of Object.keys(statement).filter((k) => !STATEMENT_KEYS.includes(k))) {
    if (key === 'Principal' || key === 'NotPrincipal') {
      const hint = `remove ${key}; to exempt some principals, add a Condition such as ArnNotLike on aws:PrincipalARN`;
      report('scp-principal', [...path, key], `an SCP applies to every principal of the accounts it is attached to; it has no ${key}`, { at: 'key', hint });
    } else {
      unknownKey([...path, key], 'statement key', STATEMENT_KEYS, report);
    }
  }

  const { Sid: sid, Effect: effect } = statement;
  if ('Sid' in statement && (typeof sid !== 'string' || !SID.test(sid))) {
    const fixed = typeof sid === 'string' ? sid.replace(/[^A-Za-z0-9]/g, '') : '';
    report('scp-statement', [...path, 'Sid'], 'Sid must be letters and digits only', {
      expected: 'letters and digits, e.g. "DenyLeaveOrganization"',
      found: show(sid),
      hint: fixed ? `write it as "${fixed}"` : 'give it a name of letters and digits, or remove it',
    });
  }

  if (!('Effect' in statement)) {
    report('scp-statement', path, 'the statement has no Effect', { expected: '"Allow" or "Deny"', hint: 'add "Effect": "Deny" (or "Allow")' });
  } else if (typeof effect !== 'string' || !EFFECTS.includes(effect)) {
    report('scp-statement', [...path, 'Effect'], 'Effect must be "Allow" or "Deny"', {
      expected: '"Allow" or "Deny"',
      found: show(effect),
      hint: typeof effect === 'string' ? didYouMean(effect, EFFECTS) : undefined,
    });
  }

  checkExclusive(statement, path, ['Action', 'NotAction'], true, 'scp-statement', report);
  checkExclusive(statement, path, ['Resource', 'NotResource'], false, 'scp-resource', report);
  for (const [key, code, check] of LISTS) {
    if (!(key in statement)) continue;
    for (const [value, at] of stringsOf(statement[key], [...path, key], code, report)) check(value, at, report);
  }
  if ('Condition' in statement) checkCondition(statement.Condition, [...path, 'Condition'], report);
}

/** Action/NotAction: exactly one; Resource/NotResource: at most one. */
function checkExclusive(statement: Json, path: KeyPath, [key, notKey]: [string, string], required: boolean, code: DiagnosticCode, report: Report): void {
  const expected = `${required ? 'exactly' : 'at most'} one of ${key}, ${notKey}`;
  if (key in statement && notKey in statement) {
    const hint = `keep one: ${key} lists what the statement covers, ${notKey} what it leaves out`;
    report(code, [...path, notKey], `the statement has both ${key} and ${notKey}`, { at: 'key', expected, hint });
  } else if (required && !(key in statement) && !(notKey in statement)) {
    report(code, path, `the statement has neither ${key} nor ${notKey}`, { expected, hint: `add "${key}": ["service:Action", …], or ${notKey} to list the exceptions` });
  }
}

/** A string or a non-empty list of strings, each returned with its own path. */
function stringsOf(value: unknown, path: KeyPath, code: DiagnosticCode, report: Report): [string, KeyPath][] {
  const key = String(path.at(-1));
  if (typeof value === 'string') return [[value, path]];
  if (!Array.isArray(value) || value.length === 0) {
    report(code, path, `${key} must be a string or a non-empty list of strings`, { expected: 'a string or a non-empty list of strings', found: show(value) });
    return [];
  }
  return value.flatMap((entry: unknown, j): [string, KeyPath][] => {
    if (typeof entry === 'string') return [[entry, [...path, j]]];
    report(code, [...path, j], `each entry of ${key} must be a string`, { found: show(entry) });
    return [];
  });
}

function checkAction(action: string, path: KeyPath, report: Report): void {
  if (action === '*' || ACTION.test(action)) return;
  // The usual slips: stray spaces and a capitalised service prefix ("EC2:RunInstances").
  const trimmed = action.trim();
  const colon = trimmed.indexOf(':');
  const fixed = colon < 0 ? trimmed : trimmed.slice(0, colon).toLowerCase() + trimmed.slice(colon);
  report('scp-action', path, `"${action}" is not an action`, {
    expected: '"*" or service:Action (service: lowercase letters, digits and -; action: letters, digits, * and ?)',
    found: action,
    hint: ACTION.test(fixed) ? `did you mean "${fixed}"?` : colon < 0 ? 'write it as service:Action, e.g. "s3:GetObject"' : undefined,
  });
}

function checkResource(resource: string, path: KeyPath, report: Report): void {
  if (resource === '*' || resource.startsWith('arn:')) return;
  const trimmed = resource.trim();
  report('scp-resource', path, `"${resource}" is not a resource ARN`, {
    expected: '"*" or an ARN starting with "arn:"',
    found: resource,
    hint: trimmed.startsWith('arn:') ? `did you mean "${trimmed}"?` : 'write a full ARN such as "arn:aws:s3:::my-bucket/*", or "*"',
  });
}

function checkCondition(condition: unknown, path: KeyPath, report: Report): void {
  const shape = 'operator → { key: value(s) }, e.g. { "StringEquals": { "aws:RequestedRegion": "eu-west-1" } }';
  if (!isObject(condition)) {
    report('scp-condition', path, 'Condition must be an object of operator → { key: value(s) }', { expected: shape, found: show(condition) });
    return;
  }
  for (const [operator, block] of Object.entries(condition)) {
    const at = [...path, operator];
    checkOperator(operator, at, report);
    if (!isObject(block)) {
      report('scp-condition', at, `${operator} must map condition keys to values`, { expected: shape, found: show(block) });
      continue;
    }
    for (const [key, values] of Object.entries(block)) {
      if (isScalar(values)) continue;
      if (!Array.isArray(values) || values.length === 0) {
        report('scp-condition', [...at, key], `${key} must have a string, number or boolean value, or a non-empty list of them`, {
          expected: 'a string, number, boolean or non-empty list of them',
          found: show(values),
          hint: Array.isArray(values) ? 'give it at least one value, or remove the key' : undefined,
        });
        continue;
      }
      values.forEach((value: unknown, j) => {
        if (!isScalar(value)) report('scp-condition', [...at, key, j], `each value of ${key} must be a string, number or boolean`, { found: show(value) });
      });
    }
  }
}

/** `ForAnyValue:StringLikeIfExists` → set prefix `ForAnyValue:`, base `StringLike`, IfExists. */
export function parseOperator(operator: string): { prefix: string; base: string; ifExists: boolean } {
  const prefix = SET_PREFIXES.find((p) => operator.startsWith(p)) ?? '';
  const ifExists = operator.endsWith(IF_EXISTS);
  return { prefix, base: operator.slice(prefix.length, ifExists ? -IF_EXISTS.length : undefined), ifExists };
}

function checkOperator(operator: string, path: KeyPath, report: Report): void {
  const { prefix, base, ifExists } = parseOperator(operator);
  if (!CONDITION_OPERATORS.includes(base)) {
    report('scp-condition', path, `unknown condition operator "${operator}"`, {
      at: 'key',
      expected: 'an IAM condition operator such as StringEquals, optionally after ForAllValues: or ForAnyValue: and before IfExists',
      found: operator,
      hint: didYouMean(operator, OPERATOR_SPELLINGS),
    });
  } else if (base === 'Null' && ifExists) {
    // IAM refuses NullIfExists: Null already asks whether the key is present.
    report('scp-condition', path, `"${operator}" is not an operator: Null takes no IfExists`, { at: 'key', found: operator, hint: `write "${prefix}Null"` });
  }
}
