/**
 * The SSM parameters orgvend keeps in every account that carries its stack, under
 * /orgvend/account/: who the account is (its DSL settings and tags) and the organization's
 * settings that every account's tooling needs. Pure.
 */
import type { DesiredAccount } from '../config/resolve.js';
import type { Organization } from '../config/schema.js';
import { DNS_ALLOWED_KEY, publicAccessBlockOf, recorderDrift, samePublicAccessBlock, type LiveRecorders, type PublicAccessBlock } from '../protocol/requests.js';
import { PARAMETER_PREFIX } from '../protocol/names.js';
import { byKey } from '../text-order.js';

/** SSM names allow letters, digits and _.-/ only: a tag key's other characters become `/`. */
const parameterKey = (key: string) => key.replace(/[^A-Za-z0-9_.\-/]/g, '/');

/**
 * `extra`: parameters only one account holds, by key below the prefix: the DNS account's
 * allow list (`dns/allowed/<account id>`, see dnsAllowList).
 */
export function desiredParameters(entry: DesiredAccount, org: Organization, extra: Record<string, string> = {}): Record<string, string> {
  const s = entry.settings;
  const values: Record<string, string | undefined> = {
    name: entry.name,
    scope: entry.scope,
    service: entry.service,
    environment: s.environment,
    region: s.region,
    global_region: s.global_region,
    regions: s.regions.join(','),
    'organization/management_account_id': org.management_account_id,
    'organization/cicd_account_id': org.cicd_account_id,
    'organization/audit_account_id': org.audit_account_id,
    'organization/home_region': org.home_region,
    'organization/event_bus': org.event_bus,
    'organization/event_source': org.event_source,
  };
  for (const [key, value] of Object.entries(entry.tags)) values[`tags/${parameterKey(key)}`] = value;
  Object.assign(values, extra);
  return Object.fromEntries(
    Object.entries(values)
      .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
      .sort(byKey)
      .map(([key, value]) => [`${PARAMETER_PREFIX}${key}`, value]),
  );
}

/** The parameters.put change that makes `live` what `wanted` says, or undefined when they match. */
export function parameterChange(name: string, accountId: string, wanted: Record<string, string>, live: Record<string, string>) {
  const keys = [...new Set([...Object.keys(wanted), ...Object.keys(live)])].filter((k) => wanted[k] !== live[k]).sort();
  if (!keys.length) return undefined;
  return {
    type: 'parameters.put' as const,
    target: name,
    reason: Object.keys(live).length ? 'parameters-changed' : 'missing-in-account',
    before: { account_id: accountId, parameters: Object.fromEntries(keys.map((k) => [k, live[k] ?? null])) },
    // The whole set: PUT_PARAMETERS makes the account's parameters exactly these.
    after: { parameters: wanted },
  };
}

/**
 * The public-access-block.put that makes the account's S3 Block Public Access what its
 * s3_block_public_access says (all four on, or all off); none when the DSL does not set it
 * or the account was not read (`live` undefined). `live` null: the account has none.
 */
export function publicAccessBlockChange(entry: DesiredAccount, accountId: string, live: PublicAccessBlock | null | undefined) {
  const setting = entry.settings.s3_block_public_access;
  if (setting === undefined || live === undefined) return undefined;
  const want = publicAccessBlockOf(setting);
  if (samePublicAccessBlock(live, want)) return undefined;
  return {
    type: 'public-access-block.put' as const,
    target: entry.name,
    reason: live === null ? 'missing-in-account' : 'setting-changed',
    before: { account_id: accountId, public_access_block: live },
    after: { public_access_block: want },
  };
}

/** The regions an account's Config recorders are in: its region first (where the global resource types are recorded), then its other regions. */
export const recorderRegions = (entry: DesiredAccount): string[] => [...new Set([entry.settings.region, ...entry.settings.regions])];

/**
 * The config-recorder.put that makes the account's AWS Config recorders what its
 * config_recorder says, in the regions that differ; none when the DSL does not set it, the
 * account was not read (`live` undefined), or (on) there is no log bucket to deliver to yet
 * (`bucket` undefined: the logs account does not exist). `live` null: a new account, which
 * has none.
 */
export function configRecorderChange(entry: DesiredAccount, accountId: string, live: LiveRecorders | null | undefined, bucket: string | undefined) {
  const on = entry.settings.config_recorder;
  if (on === undefined || live === undefined || (on && !bucket)) return undefined;
  const regions = recorderRegions(entry);
  const home = entry.settings.region;
  const recorders = live ?? {};
  const drift = Object.fromEntries(regions.flatMap((region) => {
    const changed = recorderDrift(recorders[region] ?? null, on, region, home, bucket ?? '');
    return changed.length ? [[region, changed]] : [];
  }));
  if (!Object.keys(drift).length) return undefined;
  return {
    type: 'config-recorder.put' as const,
    target: entry.name,
    reason: regions.some((r) => recorders[r]) ? 'setting-changed' : 'missing-in-account',
    before: { account_id: accountId, config_recorders: Object.fromEntries(Object.keys(drift).map((r) => [r, recorders[r] ?? null])) },
    // The regions to put, with what differs in each; the request carries every region of the account (a put leaves a region that is as wanted alone).
    after: { config_recorder: on, regions, home_region: home, ...(on ? { bucket } : {}), changed: drift },
  };
}

/**
 * The DNS account's allow list: for every account that exists and has allowed_dns_domains,
 * `dns/allowed/<its id>` = the domains, sorted, comma-separated. CREATE_RECORD reads it.
 */
export function dnsAllowList(accounts: readonly { entry: DesiredAccount; id: string }[]): Record<string, string> {
  return Object.fromEntries(
    accounts
      .filter(({ entry }) => entry.lifecycle === 'active' && entry.settings.allowed_dns_domains.length)
      .map(({ entry, id }) => [`${DNS_ALLOWED_KEY}${id}`, [...entry.settings.allowed_dns_domains].sort().join(',')]),
  );
}
