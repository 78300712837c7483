/**
 * What templates/*.njk see: the resolved DSL, with the ids of the accounts that exist.
 * Pure and ordered (accounts by name, ids sorted), so rendering twice gives the same bytes.
 */
import type { Desired, DesiredAccount } from '../config/resolve.js';
import type { EcrRepository } from '../config/schema.js';
import { matchAccounts } from '../plan/match.js';
import type { Live } from '../state/live.js';
import { NAMES } from '../protocol/names.js';
import { byKey, compareText } from '../text-order.js';

export interface TemplateAccount {
  name: string;
  /** The account's id; null until sync-accounts has created it. */
  id: string | null;
  aws_name: string;
  email: string;
  scope: string;
  service: string;
  environment: string | null;
  region: string;
  global_region: string;
  regions: string[];
  create_vpc: boolean;
  nat_gateway_count: number;
  use_cfr: boolean;
  /** config_recorder as layered: true records with AWS Config, false stops it, null leaves it alone. */
  config_recorder: boolean | null;
  allowed_dns_domains: string[];
  /** Access level → IAM role names, e.g. { all: [Admin], rw: [PowerUser, Developer] }. */
  access: Record<string, string[]>;
  tags: Record<string, string>;
  /** The team's templates (templates/account/<name>.yml.njk) deployed to the account, by name: their parameters as layered (those switched off with null left out). */
  customizations: Record<string, Record<string, unknown>>;
}

export interface TemplateRepository extends Omit<EcrRepository, 'pull'> {
  /** Ids of the existing accounts that run the named services in the named environments. */
  pull_account_ids: string[];
  /** The existing ones as principals: id and DSL name, by id. */
  pull_principals: { id: string; name: string }[];
}

export interface TemplateContext {
  partition: string;
  /** The organization's id (o-…) as it was read; null where nothing was read (validate renders offline). */
  organization_id: string | null;
  organization: Desired['organization'];
  /** The names orgvend's own stack gives its resources, the prefixes its deployer role may create under, and the flow log role it makes (protocol/names). */
  names: typeof NAMES;
  /** Every active account, by name. */
  accounts: TemplateAccount[];
  /** The accounts that exist (have an id). */
  created_accounts: TemplateAccount[];
  /** The accounts named by organization.identity_account, logs_account, dns_account (null when not named). */
  identity_account: TemplateAccount | null;
  logs_account: TemplateAccount | null;
  dns_account: TemplateAccount | null;
  ecr_repositories: TemplateRepository[];
  /** Per-account templates (templates/account/) only: the account rendered for. */
  account?: TemplateAccount;
  /** The team's per-account templates only: the account's parameters for it (account.customizations.<name>). */
  customization?: Record<string, unknown>;
}

function templateAccount(entry: DesiredAccount, id: string | undefined): TemplateAccount {
  const s = entry.settings;
  return {
    name: entry.name,
    id: id ?? entry.accountId ?? null,
    aws_name: entry.awsName,
    email: entry.email,
    scope: entry.scope,
    service: entry.service,
    environment: s.environment ?? null,
    region: s.region,
    global_region: s.global_region,
    regions: [...s.regions],
    create_vpc: s.create_vpc,
    nat_gateway_count: s.nat_gateway_count,
    use_cfr: s.use_cfr,
    config_recorder: s.config_recorder ?? null,
    allowed_dns_domains: [...s.allowed_dns_domains].sort(),
    access: Object.fromEntries(Object.entries(s.access).sort(byKey)),
    tags: Object.fromEntries(Object.entries(entry.tags).sort(byKey)),
    customizations: Object.fromEntries(
      Object.entries(s.customizations)
        .flatMap(([name, parameters]) => (parameters === null ? [] : [[name, { ...parameters }] as const]))
        .sort(byKey),
    ),
  };
}

/** Accounts a pull rule names: every one of its keys must match (an absent key matches all). */
function pullers(pull: EcrRepository['pull'], accounts: readonly TemplateAccount[]): TemplateAccount[] {
  return accounts.filter((a) =>
    pull.some((rule) => (!rule.services || rule.services.includes(a.service)) && (!rule.environments || (a.environment !== null && rule.environments.includes(a.environment)))),
  );
}

/** `ids`: DSL name → live account id, for the accounts that exist. */
export function templateContext(desired: Desired, ids: ReadonlyMap<string, string>, organizationId: string | null = null): TemplateContext {
  const accounts = desired.accounts
    .filter((a) => a.lifecycle === 'active')
    .map((a) => templateAccount(a, ids.get(a.name)))
    .sort((a, b) => compareText(a.name, b.name));
  const byName = new Map(accounts.map((a) => [a.name, a]));
  const org = desired.organization;
  const named = (name: string | undefined) => (name ? (byName.get(name) ?? null) : null);
  return {
    partition: 'aws',
    organization_id: organizationId,
    organization: org,
    names: NAMES,
    accounts,
    created_accounts: accounts.filter((a) => a.id !== null),
    identity_account: named(org.identity_account),
    logs_account: named(org.logs_account),
    dns_account: named(org.dns_account),
    ecr_repositories: desired.ecrRepositories.map(({ pull, ...repo }) => {
      const pulling = pullers(pull, accounts);
      const principals = pulling.filter((a) => a.id !== null).map((a) => ({ id: a.id!, name: a.name })).sort((a, b) => compareText(a.id, b.id));
      return { ...repo, pull_account_ids: principals.map((p) => p.id), pull_principals: principals };
    }),
  };
}

/** DSL name → id of every account of the DSL that exists in `live`. */
export function liveIds(desired: Desired, live: Live): Map<string, string> {
  return new Map(matchAccounts(desired.accounts, live).matches.flatMap((m) => (m.live ? [[m.desired.name, m.live.id] as const] : [])));
}
