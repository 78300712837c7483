/**
 * sync-security's delegated administrators: organization.delegated_administrators against
 * the organization's. Pure.
 *
 * Only the services the DSL lists are looked at. For each: trusted access on, the named
 * account registered, and every other account registered for it deregistered, but only
 * an account accounts.yml manages: orgvend cannot tell who registered an account it does
 * not manage, so that one is a conflict for a person, with the command to run. `null`
 * means no delegated administrator, under the same rule. A service left out of the DSL is
 * never read, and nothing is deregistered by omission.
 */
import { DELEGATED_SERVICES, declaredServices } from '../config/delegated-services.js';
import type { Desired } from '../config/resolve.js';
import type { LiveDelegations } from '../state/delegated-admins.js';
import type { Live } from '../state/live.js';
import { liveDigest } from './accounts.js';
import { digest, sortedEntries } from './digest.js';
import { isClosed, matchAccounts } from './match.js';
import { makePlan, type Change, type Plan } from './plan.js';

/** The step target of deregistering `account` for `service`: `guardduty/security`. */
export const deregisterTarget = (service: string, account: string) => `${service}/${account}`;

const deregisterCommand = (principal: string, id: string) =>
  `aws organizations deregister-delegated-administrator --service-principal ${principal} --account-id ${id}`;

export function planDelegatedAdmins(desired: Desired, live: Live, delegations: LiveDelegations): Plan {
  const services = declaredServices(desired);
  const matching = matchAccounts(desired.accounts, live);
  // Live id → DSL name, for every account accounts.yml manages that is in the organization.
  const nameOf = new Map(matching.matches.flatMap((m) => (m.live ? [[m.live.id, m.desired.name] as const] : [])));
  const liveOf = new Map(matching.matches.map((m) => [m.desired.name, m.live]));
  const label = (id: string) => nameOf.get(id) ?? id;
  const changes: Change[] = [];
  const notes: string[] = [];
  const conflicts: string[] = [];

  for (const [service, wanted] of services) {
    const principal = DELEGATED_SERVICES[service];
    const have = delegations.get(principal);
    if (!have) continue;
    if (have.refused !== undefined) {
      notes.push(`${service}: AWS Organizations does not list delegated administrators for ${principal} here (${have.refused}); nothing is planned for it`);
      continue;
    }
    let wantedId: string | undefined;
    if (wanted !== null) {
      const account = liveOf.get(wanted);
      if (!account) {
        notes.push(`${service}: ${wanted} is not in the organization yet; run sync-accounts first`);
        continue;
      }
      if (isClosed(account)) {
        notes.push(`${service}: ${wanted} (${account.id}) is ${account.status}; nothing is planned for it`);
        continue;
      }
      if (account.id === live.managementAccountId) {
        conflicts.push(`${service}: ${wanted} is the management account, which AWS never makes a delegated administrator`);
        continue;
      }
      wantedId = account.id;
    }

    for (const id of have.admins.filter((a) => a !== wantedId)) {
      const name = nameOf.get(id);
      if (name === undefined) {
        conflicts.push(
          `${service}: account ${id} is registered as delegated administrator for ${principal} and is not an account accounts.yml manages, ` +
            `so orgvend does not deregister it; if it should go: ${deregisterCommand(principal, id)}`,
        );
        continue;
      }
      changes.push({
        type: 'delegated-admin.deregister',
        target: deregisterTarget(service, name),
        reason: wanted === null ? 'null-in-config' : 'other-admin-in-config',
        before: { service_principal: principal, account: name, account_id: id },
        after: { service_principal: principal, delegated_admin: wanted },
      });
    }
    if (wantedId === undefined) continue;
    if (!have.trusted_access) {
      changes.push({
        type: 'trusted-access.enable',
        target: service,
        reason: 'not-enabled',
        before: { service_principal: principal, trusted_access: false },
        after: { service_principal: principal, trusted_access: true },
      });
    }
    if (!have.admins.includes(wantedId)) {
      changes.push({
        type: 'delegated-admin.register',
        target: service,
        reason: have.admins.length ? 'admin-changed' : 'missing-in-org',
        before: { service_principal: principal, delegated_admins: have.admins.map(label) },
        after: { service_principal: principal, delegated_admin: wanted, delegated_admin_id: wantedId },
      });
    }
  }
  const basis = {
    config: digest(services),
    live: digest([liveDigest(live), digest(sortedEntries(new Map(delegations)))]),
  };
  return makePlan('sync-security', basis, changes, { notes, conflicts });
}
