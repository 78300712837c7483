/**
 * sync-security's security services: organization.security.guardduty, .securityhub and
 * .config against what their delegated administrators have, in the home region. Pure.
 *
 * Each is set from the account organization.delegated_administrators names for it
 * (validated offline: cross-checks.ts). GuardDuty and Security Hub also keep their own
 * administrator per region: when they do not name that account yet, its designation is
 * planned first (`<service>.admin.enable`, from the management account), and the
 * configuration after it, from the administrator. When they name another account, that is
 * a conflict for a person: replacing a service's administrator means disassociating its
 * members first, which orgvend never does by itself.
 */
import { securityAdmins, type SecurityService } from '../config/delegated-services.js';
import type { Desired } from '../config/resolve.js';
import { NAMES } from '../protocol/names.js';
import { aggregatorDrift, type ServiceWithAdmin } from '../protocol/requests.js';
import type { LiveSecurityServices, ServiceRead } from '../state/security-services.js';
import type { Live, LiveAccount } from '../state/live.js';
import { isClosed, matchAccounts } from './match.js';
import type { Change } from './plan.js';

export interface SecurityServicesPlan {
  changes: Change[];
  notes: string[];
  conflicts: string[];
}

const SERVICE_TITLES: Record<SecurityService, string> = { guardduty: 'GuardDuty', securityhub: 'Security Hub', config: 'AWS Config' };


/** The live account of each set service's administrator, or why there is none to act in. */
interface AdminAccount {
  name: string;
  account?: LiveAccount;
  problem?: string;
}

function adminAccounts(desired: Desired, live: Live): Map<SecurityService, AdminAccount> {
  const liveOf = new Map(matchAccounts(desired.accounts, live).matches.map((m) => [m.desired.name, m.live]));
  return new Map(
    (Object.entries(securityAdmins(desired.organization)) as [SecurityService, string][]).map(([service, name]): [SecurityService, AdminAccount] => {
      const account = liveOf.get(name);
      if (!account) return [service, { name, problem: `${name} is not in the organization yet; run sync-accounts first` }];
      if (isClosed(account)) return [service, { name, problem: `${name} (${account.id}) is ${account.status}` }];
      // The delegated administrators' plan says why the management account cannot be one.
      if (account.id === live.managementAccountId) return [service, { name, problem: `${name} is the management account` }];
      return [service, { name, account }];
    }),
  );
}

/** The live id of each set service's administrator that is in the organization and can act: whom sync-security reads (state/security-services.ts). */
export function securityAdminIds(desired: Desired, live: Live): Partial<Record<SecurityService, string>> {
  const ids: Partial<Record<SecurityService, string>> = {};
  for (const [service, admin] of adminAccounts(desired, live)) if (admin.account) ids[service] = admin.account.id;
  return ids;
}

const disableAdminCommand = (service: ServiceWithAdmin, id: string, region: string) =>
  `aws ${service} disable-organization-admin-account --admin-account-id ${id} --region ${region}`;

export function planSecurityServices(desired: Desired, live: Live, state: LiveSecurityServices | undefined): SecurityServicesPlan {
  const plan: SecurityServicesPlan = { changes: [], notes: [], conflicts: [] };
  if (!state) return plan;
  const region = desired.organization.home_region;
  const security = desired.organization.security;
  const unavailable = (service: SecurityService, read: ServiceRead<unknown> | undefined, what = 'nothing more is planned for it'): read is { unavailable: string } => {
    if (read === undefined || !('unavailable' in read)) return false;
    plan.notes.push(`${service}: ${read.unavailable}; ${what}`);
    return true;
  };

  for (const [service, admin] of adminAccounts(desired, live)) {
    if (!admin.account) {
      plan.notes.push(`${service}: its delegated administrator ${admin.problem}; nothing is planned for ${SERVICE_TITLES[service]}`);
      continue;
    }
    const id = admin.account.id;
    const who = { admin: admin.name, admin_id: id };

    if (service === 'config') {
      const read = state.config;
      if (read === undefined || unavailable(service, read)) continue;
      const name = security.config!.aggregator;
      const after = { ...who, name, organization: true, all_regions: true, role: NAMES.configAggregatorRole, region };
      const drift = read.live ? aggregatorDrift(read.live, id) : [];
      if (read.live && !drift.length) continue;
      plan.changes.push({
        type: 'config.aggregator.put',
        target: `config/${name}`,
        reason: read.live ? 'settings-changed' : 'missing-in-org',
        before: read.live,
        after: read.live ? { ...after, changed: drift } : after,
      });
      continue;
    }

    // GuardDuty and Security Hub: their own administrator first.
    const admins = state.admins[service];
    if (admins === undefined) continue;
    if (!unavailable(service, admins, 'its administrator is not designated by orgvend here')) {
      const others = admins.live.filter((a) => a !== id);
      if (others.length) {
        plan.conflicts.push(
          `${service}: ${SERVICE_TITLES[service]}'s administrator in ${region} is account ${others.join(', ')}, not ${admin.name} (${id}); orgvend does not replace a service's administrator ` +
            `(its members are disassociated first: see AWS's guide to changing it), so nothing is planned for ${SERVICE_TITLES[service]}: ${others.map((o) => disableAdminCommand(service, o, region)).join('; ')}`,
        );
        continue;
      }
      if (!admins.live.includes(id)) {
        plan.changes.push({
          type: `${service}.admin.enable`,
          target: service,
          reason: 'missing-in-org',
          before: { admins: [] },
          after: { ...who, region },
        });
      }
    }

    if (service === 'guardduty') {
      const read = state.guardduty;
      if (unavailable(service, read)) continue;
      const auto_enable = security.guardduty!.auto_enable.toUpperCase() as 'ALL' | 'NEW' | 'NONE';
      const current = read?.live ?? null;
      if (current?.detector_id && current.auto_enable === auto_enable) continue;
      plan.changes.push({
        type: 'guardduty.configure',
        target: service,
        reason: !current ? 'admin-not-designated' : !current.detector_id ? 'not-enabled' : 'settings-changed',
        before: current,
        after: { ...who, region, detector: true, auto_enable },
      });
      continue;
    }

    const read = state.securityhub;
    if (unavailable(service, read)) continue;
    const wanted = security.securityhub!;
    const after = { ...who, region, hub: true, auto_enable: wanted.auto_enable, auto_enable_standards: wanted.auto_enable_standards.toUpperCase() as 'DEFAULT' | 'NONE' };
    const current = read?.live ?? null;
    if (current?.configuration_type === 'CENTRAL') {
      plan.conflicts.push(
        `securityhub: Security Hub in ${admin.name} (${id}) uses central configuration, whose configuration policies decide what accounts get; orgvend sets only local configuration's auto-enable, so nothing is planned for it (remove organization.security.securityhub, or go back to local configuration)`,
      );
      continue;
    }
    if (current?.hub && current.auto_enable === after.auto_enable && current.auto_enable_standards === after.auto_enable_standards) continue;
    plan.changes.push({
      type: 'securityhub.configure',
      target: service,
      reason: !current ? 'admin-not-designated' : !current.hub ? 'not-enabled' : 'settings-changed',
      before: current,
      after,
    });
  }
  return plan;
}
