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
import { MAX_TEMPLATE_BODY } from '../protocol/limits.js';
import type { ResultOf } from '../protocol/requests.js';
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

/** An account whose stacks orgvend owns are listed, in every region it may use (stackOwnersOf). */
export interface StackOwner {
  account: string;
  accountId: string;
  regions: string[];
}

/**
 * Where the rendered templates go, and where orgvend's stacks may be (`owners`), so that
 * those the repository no longer wants are found and deleted. `held`: stacks that are wanted
 * but not deployed this time (a template over CloudFormation's size limit), never deleted.
 */
export interface Deployments {
  deployments: Deployment[];
  notes: string[];
  owners: StackOwner[];
  held?: Pick<Deployment, 'stack' | 'accountId' | 'region'>[];
}

/**
 * The existing accounts of the repository and the regions each may hold orgvend's stacks in:
 * its region, its global_region, the regions it enables and the home region (and any other
 * a deployment goes to). Not with `only` (create-account), which deletes nothing.
 */
export function stackOwnersOf(context: TemplateContext, deployments: readonly Deployment[], only?: string): StackOwner[] {
  if (only) return [];
  const owners = new Map<string, StackOwner>();
  const add = (account: string, accountId: string, regions: readonly string[]) => {
    const owner = owners.get(accountId) ?? owners.set(accountId, { account, accountId, regions: [] }).get(accountId)!;
    owner.regions = [...new Set([...owner.regions, ...regions])].sort();
  };
  for (const a of context.accounts) if (a.id) add(a.name, a.id, [a.region, a.global_region, ...a.regions, context.organization.home_region]);
  for (const d of deployments) if (d.accountId) add(d.account, d.accountId, [d.region]);
  return [...owners.values()];
}

/** `only` (create-account): the organization's stacks and that account's own, no other account's VPC or mapping. */
export function deploymentsOf(templates: readonly RenderedTemplate[], context: TemplateContext, only?: string): Deployments {
  const deployments: Deployment[] = [];
  const notes = new Set<string>();
  const held: Deployments['held'] = [];
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
      if (target.account.id) held.push({ stack: target.stack ?? stack, accountId: target.account.id, region: target.region });
      continue;
    }
    deployments.push({ stack, account: target.account.name, accountId: target.account.id, region: target.region, source: t.source, template: t.text, sha256: t.sha256 });
  }
  return { deployments, notes: [...notes], owners: stackOwnersOf(context, deployments, only), ...(held.length ? { held } : {}) };
}

/** What to read in one account: stacks by name, and with `owned`, every stack orgvend owns in those regions. */
export interface StackReads {
  stacks: { stack: DeployedStack; region: string }[];
  owned?: { regions: string[] };
  /** Holds the IAM mapping's stacks, one per account of the organization: read in a request of its own. */
  alone?: true;
}

/** The stacks to read in each account: account id → orgvend's stacks in the owners' regions (listed), and by name the deployments' stacks elsewhere. */
export function stacksToRead({ deployments, owners }: Pick<Deployments, 'deployments' | 'owners'>): Map<string, StackReads> {
  const byAccount = new Map<string, StackReads>();
  const of = (id: string) => byAccount.get(id) ?? byAccount.set(id, { stacks: [] }).get(id)!;
  for (const owner of owners) of(owner.accountId).owned = { regions: owner.regions };
  for (const d of deployments) {
    if (!d.accountId) continue;
    if (isMappingStack(d.stack)) of(d.accountId).alone = true;
    if (!byAccount.get(d.accountId)?.owned?.regions.includes(d.region)) of(d.accountId).stacks.push({ stack: d.stack, region: d.region });
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

/**
 * The stack.delete change that removes `live`, a stack orgvend owns that the repository no
 * longer wants, from the account. Its target names the region: the same stack name may be
 * in two (a VPC before and after its account's region changed).
 */
export function stackDeletion(where: { account: string; accountId: string }, live: LiveStack): Change {
  return {
    type: 'stack.delete',
    target: `${where.account}/${live.region}/${live.stack}`,
    reason: 'no-longer-rendered',
    before: {
      account_id: where.accountId,
      status: live.status,
      ...(live.template ? { template_sha256: sha256Hex(live.template).slice(0, 12) } : {}),
      ...(live.source ? { source: live.source } : {}),
    },
    after: { stack: live.stack, region: live.region, resources: live.template ? deletedResources(live.template) : [] },
  };
}

/** The DeletionPolicy values that keep a resource when its stack is deleted (Snapshot deletes it, after the snapshot). */
const RETAINED_ON_DELETE = new Set(['Retain', 'RetainExceptOnCreate']);

/** What deleting a stack running `template` does, by logical id: `-Vpc AWS::EC2::VPC`, and `-Bucket AWS::S3::Bucket (retained)` for what DeletionPolicy Retain keeps. */
export function deletedResources(template: string): string[] {
  let resources: Map<string, { type: string; body: unknown }>;
  try {
    resources = parsedResources(template);
  } catch {
    // A template CloudFormation ran but this parser cannot read: the deletion is still shown, without its resources.
    return [];
  }
  // A resource without a type (a template CloudFormation would not have run) is not shown.
  return [...resources.keys()].sort().flatMap((id) => {
    const { type, body } = resources.get(id)!;
    if (typeof (body as { Type?: unknown } | null)?.Type !== 'string') return [];
    const retained = RETAINED_ON_DELETE.has(String((body as { DeletionPolicy?: unknown }).DeletionPolicy));
    return [`-${id} ${type}${retained ? ' (retained)' : ''}`];
  });
}
