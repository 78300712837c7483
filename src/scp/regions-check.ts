/**
 * An opt-in region the DSL enables for an account must be usable there: if the policies
 * under scps/ deny every request in it, enabling it is a mistake in the repository, caught
 * offline with the line that lists the region.
 */
import type { KeyPath, Problem } from '../config/diagnostics.js';
import { layerPath, originOf } from '../config/layers.js';
import { isOptInRegion } from '../config/regions.js';
import { ouAncestors, type Desired } from '../config/resolve.js';
import { evaluate, type Level } from './evaluate.js';
import { FULL_AWS_ACCESS, FULL_AWS_ACCESS_DOCUMENT, type DesiredScps } from './model.js';

/** Regional requests that any workload makes; a region where all are denied is unusable. */
const PROBES = ['ec2:DescribeInstances', 'cloudformation:ListStacks', 'lambda:ListFunctions'];

/** The policies an account in `ou` will be under once sync-scps has run: Root, then each OU down. */
function desiredLevels(scps: DesiredScps, ou: string): Level[] {
  return ['Root', ...(ou ? ouAncestors(ou) : [])].map((target) => ({
    target,
    policies: [
      ...(scps.fullAwsAccess.includes(target) ? [{ name: FULL_AWS_ACCESS, document: FULL_AWS_ACCESS_DOCUMENT }] : []),
      ...scps.policies.filter((p) => p.targets.includes(target)).map((p) => ({ name: p.name, document: p.document })),
    ],
  }));
}

/** Why every probe is denied in `region`, or undefined when something may work there. */
function regionDenial(levels: readonly Level[], region: string): string | undefined {
  const results = PROBES.map((action) => evaluate(levels, { action, region }));
  return results.every((r) => r.decision === 'denied') ? results[0]!.reason : undefined;
}

export function regionsDeniedByScps(desired: Desired, scps: DesiredScps): Problem[] {
  const found = new Map<string, { path: KeyPath; region: string; accounts: string[]; reason: string }>();
  // The answer depends only on the OU and the region: evaluated once per pair, not per account.
  const denials = new Map<string, string | undefined>();
  const denial = (ou: string, region: string) => {
    const key = `${ou}\0${region}`;
    if (!denials.has(key)) denials.set(key, regionDenial(desiredLevels(scps, ou), region));
    return denials.get(key);
  };
  for (const account of desired.accounts.filter((a) => a.lifecycle === 'active')) {
    for (const region of account.settings.regions.filter(isOptInRegion)) {
      const reason = denial(account.settings.organization_unit, region);
      if (!reason) continue;
      // regions is required and has no builtin value: it is set in defaults, a scope or the account.
      const path = [...layerPath(originOf(account.explained, 'regions')!, account.name), 'regions', account.settings.regions.indexOf(region)];
      const key = path.join('.');
      const entry = found.get(key) ?? { path, region, accounts: [], reason };
      entry.accounts.push(account.name);
      found.set(key, entry);
    }
  }
  return [...found.values()].map(({ path, region, accounts, reason }) => ({
    code: 'region-denied-by-scp',
    path,
    message: `opt-in region ${region} is enabled for ${accounts.join(', ')}, but their service control policies deny every request there (${reason})`,
    hint: `remove ${region} from regions, or change the policy that denies it`,
  }));
}
