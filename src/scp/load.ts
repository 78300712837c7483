/**
 * The service control policies of the repository: every `<name>.json` or `<name>.json.njk`
 * file under scps/, rendered with nunjucks against accounts.yml, checked, and attached
 * where its folder says (`scps/Root/`, `scps/<OU path>/`) and where
 * `organization.scps.attachments` adds; `scps/_library/` policies only the latter.
 * A `.json.njk` writes every `{{ value }}` JSON-encoded (render/escaping.ts): a value is
 * one JSON value where it lands, never text spliced into a string, and a name the
 * context lacks (`params.nothing`) is an error.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { accountApiCaller } from '../bootstrap/account-api.js';
import { fileDiagnostic, hasErrors, type Diagnostic, type Problem } from '../config/diagnostics.js';
import { MAX_POLICY_BYTES } from '../config/input-limits.js';
import { readInput } from '../config/read-input.js';
import type { ConfigSource } from '../config/load.js';
import type { Desired } from '../config/resolve.js';
import { PolicyName } from '../config/schema.js';
import { didYouMean } from '../config/suggest.js';
import { YamlSource } from '../config/yaml-source.js';
import { compileEncoding, encodingEnvironment } from '../render/escaping.js';
import { firstUse, strictValues, type Undefined } from '../render/strict-context.js';
import { NAMES, roleArn } from '../protocol/names.js';
import { regionsDeniedByScps } from './regions-check.js';
import { hasAllow, type PolicyDocument } from './evaluate.js';
import { FULL_AWS_ACCESS, RCP_FULL_AWS_ACCESS, type DesiredPolicy, type DesiredPolicySet, type DesiredScps } from './model.js';
import { validateManagementPolicy } from './management-policy.js';
import { OTHER_KINDS, POLICIES_DIR, SCP_KIND, type PolicyKind } from './policy-types.js';
import { minify, validatePolicyDocument } from './validate.js';
import { unknownActions } from './actions-check.js';
import { jsonSyntaxError, positionOf } from './json-syntax.js';
import { compareText } from '../text-order.js';

export const LIBRARY = '_library';
const POLICY_FILE = /^(.+)\.json(\.njk)?$/;

export interface ScpLoadResult {
  scps?: DesiredScps;
  diagnostics: Diagnostic[];
}

function policyFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile() && POLICY_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The first nunjucks comment is the policy's description (its "why"). */
function description(text: string, file: string): string {
  const comment = text.match(/\{#([\s\S]*?)#\}/)?.[1]?.replace(/\s+/g, ' ').trim();
  return (comment || `Managed by orgvend from ${file}`).slice(0, 512);
}

/** Comments become blank lines, so the rendered JSON keeps the template's line numbers. */
const blankComments = (text: string) => text.replace(/\{#[\s\S]*?#\}/g, (c) => '\n'.repeat(c.split('\n').length - 1));

function templateContext(desired: Desired): Record<string, unknown> {
  const org = desired.organization;
  const regions = new Set(desired.accounts.flatMap((a) => [...a.settings.regions, a.settings.global_region]));
  const params = org.scps.parameters;
  const context: Record<string, unknown> = { organization: org, params, approved_regions: [...regions].sort() };
  const caller = accountApiCaller(org);
  // orgvend's handler there calls the Account Management API for put-contacts and enable-region.
  context.handler_role_arn = roleArn(caller, NAMES.handlerRole);
  if (typeof params.account_admin_role === 'string') {
    context.account_admin_role_arn = roleArn(caller, params.account_admin_role);
  }
  return context;
}

interface RenderSetup {
  env: ReturnType<typeof encodingEnvironment>;
  seen: { missing?: Undefined };
  context: Record<string, unknown>;
}

/** The document's problems by its kind's grammar and limit; the actions of an IAM-grammar one against AWS's list. */
async function documentProblems(kind: PolicyKind, document: PolicyDocument, desired: Desired): Promise<Problem[]> {
  if (kind.grammar === 'management') return validateManagementPolicy(document, kind);
  const rcp = kind.type === 'RESOURCE_CONTROL_POLICY';
  const options = rcp ? { maxCharacters: kind.maxCharacters, rcp, limitSource: `AWS's limit for a ${kind.label}` } : { maxCharacters: desired.organization.limits.scp_max_characters };
  return [...validatePolicyDocument(document, options), ...(await unknownActions(document, { rcp }))];
}

/**
 * The policies of one kind under its folder, rendered, parsed and checked; each attached
 * where its folder says (scps/_library/ nowhere: organization.scps.attachments places those).
 */
async function loadKind(kind: PolicyKind, desired: Desired, repoDir: string, render: RenderSetup, diagnostics: Diagnostic[]): Promise<DesiredPolicy[]> {
  const root = join(repoDir, kind.dir);
  const managedTargets = ['Root', ...desired.ous];
  const { env, seen, context } = render;
  const policies: DesiredPolicy[] = [];
  const library = kind === SCP_KIND ? LIBRARY : undefined;
  const reserved = kind === SCP_KIND ? FULL_AWS_ACCESS : RCP_FULL_AWS_ACCESS;

  const paths = policyFiles(root);
  const fileOf = (path: string) => relative(repoDir, path).split(sep).join('/');
  const reads = paths.map((path) => readInput(path, fileOf(path), MAX_POLICY_BYTES));
  for (const [i, path] of paths.entries()) {
    const file = fileOf(path);
    const folder = relative(root, path).split(sep).slice(0, -1).join('/');
    const [, name, template] = path.split(sep).at(-1)!.match(POLICY_FILE)!;
    const read = reads[i]!;
    if (read.diagnostic) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const source = read.text;

    let text = source;
    if (template) {
      seen.missing = undefined;
      try {
        text = compileEncoding(blankComments(source), env, file).render(context);
      } catch (error) {
        const message = (error as Error).message.replace(/^\([^)]*\)\s*/, '');
        const at = message.match(/\[Line (\d+), Column (\d+)\]/);
        // The render sets it when a key is missing (TypeScript cannot see that through the call).
        const thrown = seen.missing as Undefined | undefined;
        const missing = thrown && message.includes(thrown.message) ? thrown : undefined;
        const what = missing ? missing.message : message.replace(/\[Line \d+, Column \d+\]\s*/, '').replace(/^Error: /, '').trim();
        const hint = (missing && didYouMean(missing.key, missing.available)) ?? 'the variables are organization, params (organization.scps.parameters), approved_regions, handler_role_arn and account_admin_role_arn';
        const where = (missing && firstUse(source, missing)) ?? (at ? { line: Number(at[1]), column: Number(at[2]) } : undefined);
        diagnostics.push(fileDiagnostic(file, source, 'template-render', `cannot render the policy: ${what}`, where, hint));
        continue;
      }
    }
    let document: PolicyDocument;
    try {
      document = JSON.parse(text) as PolicyDocument;
    } catch (error) {
      // JSON.parse names no position for some faults: the scanner finds the character.
      const found = jsonSyntaxError(text);
      const message = found?.message ?? (error as Error).message;
      diagnostics.push(fileDiagnostic(file, text, 'scp-syntax', `not valid JSON: ${message}`, positionOf(text, found?.offset ?? 0)));
      continue;
    }
    const problems = await documentProblems(kind, document, desired);
    // Parsed again with positions only to place problems: most policies have none.
    if (problems.length) {
      const located = new YamlSource(file, text);
      diagnostics.push(...problems.map((p) => located.locate(p)));
    }
    if (!PolicyName.safeParse(name).success) {
      diagnostics.push(fileDiagnostic(file, text, 'invalid-value', `"${name}" is not a valid policy name`, undefined, 'name the file with 1–128 letters, digits or _+=,.@-'));
    }
    if (!folder) {
      const where = library ? `${kind.dir}/Root/, an OU's folder, or ${kind.dir}/${library}/` : `${kind.dir}/Root/ or an OU's folder`;
      diagnostics.push(fileDiagnostic(file, text, 'scp-unknown-target', `a policy directly in ${kind.dir}/ is attached nowhere`, undefined, `move it to ${where}`));
      continue;
    }
    const own = folder === library ? [] : [folder];
    for (const target of own.filter((t) => !managedTargets.includes(t))) {
      diagnostics.push(fileDiagnostic(file, text, 'scp-unknown-target', `its folder names OU ${target}, which accounts.yml does not use`, undefined, didYouMean(target, managedTargets)));
    }
    const duplicate = policies.find((p) => p.name === name);
    if (duplicate || name === reserved) {
      diagnostics.push(fileDiagnostic(file, text, 'scp-duplicate-name', `policy ${name} is defined twice${duplicate ? `: also in ${duplicate.file}` : ` (${reserved} is AWS's)`}`, undefined, library ? 'a policy attached in several places is one file plus organization.scps.attachments' : 'name each policy once'));
      continue;
    }
    policies.push({ name: name!, file, description: description(source, file), document, content: minify(document), targets: own });
  }
  return policies;
}

export async function loadScps(desired: Desired, repoDir: string, config: ConfigSource | undefined): Promise<ScpLoadResult> {
  const org = desired.organization;
  const diagnostics: Diagnostic[] = [];
  const configProblem = (problem: Problem) => config && diagnostics.push(config.locate(problem));
  const managedTargets = ['Root', ...desired.ous];
  const seen: { missing?: Undefined } = {};
  const render: RenderSetup = { env: encodingEnvironment(), seen, context: strictValues(templateContext(desired), seen) };
  const policies = await loadKind(SCP_KIND, desired, repoDir, render, diagnostics);
  const others = await loadOtherKinds(desired, repoDir, render, diagnostics);

  // Attachments the DSL adds.
  for (const [name, targets] of Object.entries(org.scps.attachments)) {
    const policy = policies.find((p) => p.name === name);
    if (!policy) {
      configProblem({ code: 'scp-unknown-policy', path: ['organization', 'scps', 'attachments', name], at: 'key', message: `no policy file named ${name} under scps/`, hint: didYouMean(name, policies.map((p) => p.name)) });
      continue;
    }
    targets.forEach((target, i) => {
      if (managedTargets.includes(target)) policy.targets.push(target);
      else configProblem({ code: 'scp-unknown-target', path: ['organization', 'scps', 'attachments', name, i], message: `${target} is neither Root nor an OU accounts.yml uses`, hint: didYouMean(target, managedTargets) });
    });
  }
  (org.scps.full_aws_access ?? []).forEach((target, i) => {
    if (!managedTargets.includes(target)) {
      configProblem({ code: 'scp-unknown-target', path: ['organization', 'scps', 'full_aws_access', i], message: `${target} is neither Root nor an OU accounts.yml uses`, hint: didYouMean(target, managedTargets) });
    }
  });
  for (const policy of policies) policy.targets = [...new Set(policy.targets)].sort();

  const fullAwsAccess = org.scps.full_aws_access ?? managedTargets;
  for (const target of managedTargets) {
    const attached = policies.filter((p) => p.targets.includes(target));
    const count = attached.length + (fullAwsAccess.includes(target) ? 1 : 0);
    if (count > org.limits.scp_max_per_target) {
      configProblem({
        code: 'scp-too-many',
        path: ['organization', 'scps'],
        at: 'key',
        message: `${target} would carry ${count} policies, FullAWSAccess included (${attached.map((p) => p.name).join(', ')}); the limit (organization.limits.scp_max_per_target) is ${org.limits.scp_max_per_target}`,
        hint: 'merge policies: one policy may hold many statements',
      });
    }
    const allows = fullAwsAccess.includes(target) || attached.some((p) => hasAllow(p.document));
    if (!allows) {
      configProblem({
        code: 'scp-no-allow',
        path: ['organization', 'scps', 'full_aws_access'],
        at: 'key',
        message: `nothing is allowed at ${target}: FullAWSAccess is not attached there and no policy attached there has an Allow`,
        hint: `add ${target} to organization.scps.full_aws_access, or attach a policy that allows what its accounts need`,
      });
    }
  }

  if (hasErrors(diagnostics)) return { diagnostics };
  const scps: DesiredScps = { policies, fullAwsAccess, fullAwsAccessExplicit: org.scps.full_aws_access !== undefined, managedTargets, others };
  for (const problem of regionsDeniedByScps(desired, scps)) configProblem(problem);
  if (hasErrors(diagnostics)) return { diagnostics };
  return { scps, diagnostics };
}


/** The other kinds under policies/<kind>/: a folder there that names no kind, or a file directly in policies/, is an error. */
async function loadOtherKinds(desired: Desired, repoDir: string, render: RenderSetup, diagnostics: Diagnostic[]): Promise<DesiredPolicySet[]> {
  let entries;
  try {
    entries = readdirSync(join(repoDir, POLICIES_DIR), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const folders = OTHER_KINDS.map((k) => k.short);
  for (const entry of entries.filter((e) => !folders.includes(e.name)).sort((a, b) => compareText(a.name, b.name))) {
    const file = `${POLICIES_DIR}/${entry.name}`;
    const hint = didYouMean(entry.name, folders) ?? `the folders are ${folders.map((f) => `${POLICIES_DIR}/${f}/`).join(', ')}`;
    diagnostics.push(fileDiagnostic(file, '', 'policy-unknown-type', `${file} names no policy type orgvend knows`, undefined, hint));
  }
  const sets: DesiredPolicySet[] = [];
  for (const kind of OTHER_KINDS) {
    const policies = await loadKind(kind, desired, repoDir, render, diagnostics);
    if (policies.length) sets.push({ type: kind.type, policies });
  }
  return sets;
}
