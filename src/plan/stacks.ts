/**
 * Where each rendered template is deployed, and the stack.deploy changes that make the
 * stacks there what the templates say. Pure.
 *
 * - `vpc/<account>.yml`: in that account, in its region;
 * - `identity-iam-mapping/<account>.yml`: in organization.identity_account, in the home region (IAM is global), as the stack orgvend-identity-iam-mapping-<account>;
 * - `log-buckets.yml`: in organization.logs_account, in its global_region (where CloudFront and WAF log);
 * - `ecr-repositories.yml`: in the CICD account, which builds and pushes the images, in the home region;
 * - `<name>/<account>.yml`, the team's templates/account/<name>.yml.njk: in that account, in its region, as orgvend-<name>;
 * - `<name>.yml`, the team's templates/<name>.yml.njk with an orgvend header: in the account (and region) it names, as orgvend-<name>.
 */
import { isDeepStrictEqual } from 'node:util';
import type { TemplateAccount, TemplateContext } from '../render/context.js';
import { parseTemplate } from '../render/cfn-yaml.js';
import { firstControlCharacter } from '../config/control-characters.js';
import { stackAction } from './stack-action.js';
import type { RenderedTemplate } from '../render/render.js';
import { DEPLOYED_STACKS, customStack, isCustomTemplateName, isMappingStack, mappingStack, type DeployedStack } from '../protocol/names.js';
import { MAX_TEMPLATE_BODY, type ResultOf } from '../protocol/requests.js';
import { sha256Hex } from './digest.js';
import type { Change } from './plan.js';

export interface Deployment {
  stack: DeployedStack;
  /** The DSL name of the account it goes to. */
  account: string;
  /** null until the account exists. */
  accountId: string | null;
  region: string;
  source: string;
  template: string;
  sha256: string;
}

/** A stack as GET_STACKS reads it. */
export type LiveStack = ResultOf<'GET_STACKS'>['stacks'][number];

const stemOf = (output: string) => output.split(/[./]/)[0]!;

function targetOf(stem: string, t: RenderedTemplate, context: TemplateContext, byName: ReadonlyMap<string, TemplateAccount>): { account: Pick<TemplateAccount, 'name' | 'id'>; region: string; stack?: string } | undefined {
  const org = context.organization;
  switch (stem) {
    case 'vpc': {
      const account = byName.get(t.account!)!;
      return { account, region: account.region };
    }
    case 'identity-iam-mapping':
      return context.identity_account ? { account: context.identity_account, region: org.home_region, stack: mappingStack(t.account!) } : undefined;
    case 'log-buckets':
      return context.logs_account ? { account: context.logs_account, region: context.logs_account.global_region } : undefined;
    case 'ecr-repositories':
      return { account: context.accounts.find((a) => a.id === org.cicd_account_id) ?? { name: 'cicd', id: org.cicd_account_id }, region: org.home_region };
    default: {
      // The team's templates: templates/account/<name>.yml.njk in each account that selects it, in its
      // region; templates/<name>.yml.njk in the account its header names, in the region it names (home: the home region).
      const account = byName.get(t.deployTo?.account ?? t.account ?? '');
      if (!account || !isCustomTemplateName(stem)) return undefined;
      const region = t.deployTo?.region === 'home' ? org.home_region : (t.deployTo?.region ?? account.region);
      return { account, region, stack: customStack(stem) };
    }
  }
}

/**
 * Where the rendered templates go, and where the IAM mapping's stacks are (`mappings`: the
 * identity account, once it exists, and the home region), so that those of accounts no
 * longer rendered are found and deleted.
 */
export interface Deployments {
  deployments: Deployment[];
  notes: string[];
  mappings?: { account: string; accountId: string; region: string };
}

/** `only` (create-account): the organization's stacks and that account's own, no other account's VPC or mapping. */
export function deploymentsOf(templates: readonly RenderedTemplate[], context: TemplateContext, only?: string): Deployments {
  const deployments: Deployment[] = [];
  const notes = new Set<string>();
  const byName = new Map(context.accounts.map((a) => [a.name, a]));
  for (const t of templates) {
    const stem = stemOf(t.output);
    if (only && t.account !== undefined && t.account !== only) continue;
    const target = targetOf(stem, t, context, byName);
    const stack = target?.stack ?? (DEPLOYED_STACKS as Record<string, DeployedStack>)[stem];
    if (!stack || !target) {
      notes.add(`${t.source} is rendered, not deployed: orgvend deploys ${Object.keys(DEPLOYED_STACKS).join(', ')}, and the team's templates under templates/account/`);
      continue;
    }
    if (Buffer.byteLength(t.text) > MAX_TEMPLATE_BODY) {
      notes.add(`${t.output} is over ${MAX_TEMPLATE_BODY} bytes, CloudFormation's limit for a template sent with the request: not deployed (deploying from the artifact bucket is not supported yet)`);
      continue;
    }
    deployments.push({ stack, account: target.account.name, accountId: target.account.id, region: target.region, source: t.source, template: t.text, sha256: t.sha256 });
  }
  const identity = context.identity_account;
  const mappings = identity?.id ? { account: identity.name, accountId: identity.id, region: context.organization.home_region } : undefined;
  return { deployments, notes: [...notes], ...(mappings ? { mappings } : {}) };
}

/** What to read in one account: stacks by name, and with `mappings`, every IAM mapping stack in that region. */
export interface StackReads {
  stacks: { stack: DeployedStack; region: string }[];
  mappings?: { region: string };
}

/** The stacks to read in each account: account id → the deployments' stacks there (the IAM mapping's, by listing them). */
export function stacksToRead({ deployments, mappings }: Pick<Deployments, 'deployments' | 'mappings'>): Map<string, StackReads> {
  const byAccount = new Map<string, StackReads>();
  const of = (id: string) => byAccount.get(id) ?? byAccount.set(id, { stacks: [] }).get(id)!;
  if (mappings) of(mappings.accountId).mappings = { region: mappings.region };
  for (const d of deployments) {
    if (d.accountId && !isMappingStack(d.stack)) of(d.accountId).stacks.push({ stack: d.stack, region: d.region });
  }
  return byAccount;
}

/**
 * A template's resources as text, by logical id, when it is shaped as orgvend renders YAML
 * (`Resources:` at the margin, each logical id indented two spaces): each resource's lines
 * without comments and trailing blanks. Reading text is a hundred times faster than parsing
 * YAML, which matters when a template change touches every account's stack. Undefined for
 * any other shape (JSON, flow style), and for a text holding a line break other than LF or
 * another control character: that is parsed instead, as CloudFormation reads it (a CR ends
 * a comment there, and whatever follows it is a resource).
 */
export function resourceBlocks(text: string): Map<string, { type: string; body: string }> | undefined {
  if (firstControlCharacter(text, '\n\t')) return undefined;
  const lines = text.split('\n');
  const start = lines.indexOf('Resources:');
  if (start < 0) return undefined;
  const blocks = new Map<string, { type: string; body: string }>();
  let id: string | undefined;
  let body: string[] = [];
  const close = () => {
    if (id === undefined) return;
    const type = body.map((l) => /^ {4}Type: *(\S+)/.exec(l)?.[1]).find(Boolean);
    if (!type) return;
    blocks.set(id, { type, body: body.join('\n') });
  };
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (!line.startsWith(' ')) break; // the next top-level key
    const key = /^ {2}([A-Za-z0-9]+):\s*$/.exec(line);
    if (key) {
      close();
      [id, body] = [key[1], []];
    } else if (id === undefined || !line.startsWith('   ')) {
      return undefined;
    } else {
      // A trailing comment goes too (conservatively: only when no quote follows its #).
      body.push(line.replace(/\s+#[^"']*$/, '').trimEnd());
    }
  }
  close();
  return id === undefined || blocks.size ? blocks : undefined;
}

function parsedResources(text: string): Map<string, { type: string; body: unknown }> {
  return new Map(Object.entries(parseTemplate(text).Resources ?? {}).map(([id, r]) => [id, { type: String(r.Type), body: r }]));
}

/** `+Vpc AWS::EC2::VPC`, `~Policy AWS::IAM::ManagedPolicy`, `-Old AWS::S3::Bucket`: what deploying changes, by logical id. */
export function resourceDiff(before: string | null, after: string): string[] {
  type Resources = Map<string, { type: string; body: unknown }>;
  // Both read the same way: text compares with text, parsed with parsed.
  const asText = [before === null ? new Map() : resourceBlocks(before), resourceBlocks(after)];
  const [was, will] = (asText.every(Boolean) ? asText : [before === null ? new Map() : parsedResources(before), parsedResources(after)]) as [Resources, Resources];
  const lines: string[] = [];
  for (const id of [...new Set([...was.keys(), ...will.keys()])].sort()) {
    const [a, b] = [was.get(id), will.get(id)];
    if (!a) lines.push(`+${id} ${b!.type}`);
    else if (!b) lines.push(`-${id} ${a.type}`);
    else if (!isDeepStrictEqual(a.body, b.body)) lines.push(`~${id} ${b.type}`);
  }
  return lines;
}

/** The stack.deploy change that makes `live` what the deployment says, or undefined when they match. */
export function stackChange(d: Deployment & { accountId: string }, live: LiveStack | undefined): Change | undefined {
  const action = stackAction(live ?? {}, d.template);
  if (action === 'none') return undefined;
  const current = action === 'update' ? live!.template! : null;
  return {
    type: 'stack.deploy',
    target: `${d.account}/${d.stack}`,
    reason: current === null ? 'missing-in-account' : 'template-changed',
    before: { account_id: d.accountId, status: live?.status ?? null, ...(current !== null ? { template_sha256: sha256Hex(current).slice(0, 12) } : {}) },
    after: { stack: d.stack, region: d.region, source: d.source, template_sha256: d.sha256.slice(0, 12), resources: resourceDiff(current, d.template), template: d.template },
  };
}

/** The stack.delete change that removes `live`, a stack no longer rendered, from the account. */
export function stackDeletion(where: { account: string; accountId: string }, live: LiveStack): Change {
  return {
    type: 'stack.delete',
    target: `${where.account}/${live.stack}`,
    reason: 'no-longer-rendered',
    before: { account_id: where.accountId, status: live.status, ...(live.template ? { template_sha256: sha256Hex(live.template).slice(0, 12) } : {}) },
    after: { stack: live.stack, region: live.region, resources: live.template ? resourceDiff(live.template, 'Resources: {}\n') : [] },
  };
}
