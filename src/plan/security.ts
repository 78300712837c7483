/** sync-security's plan: the delegated administrators, the organization trail and the security services (GuardDuty, Security Hub, the Config aggregator), one plan. Pure. */
import type { Desired } from '../config/resolve.js';
import type { LiveTrail } from '../protocol/requests.js';
import type { LiveDelegations } from '../state/delegated-admins.js';
import type { Live } from '../state/live.js';
import type { LiveSecurityServices } from '../state/security-services.js';
import { planDelegatedAdmins } from './delegated-admins.js';
import { digest } from './digest.js';
import { makePlan, type Plan } from './plan.js';
import { planSecurityServices } from './security-services.js';
import { planTrail } from './trail.js';

export interface SecurityState {
  live: Live;
  delegations: LiveDelegations;
  /** The trail organization.security.trail names, as GET_TRAIL read it (null: none); undefined when the DSL has none. */
  trail?: LiveTrail | null;
  /** The security services organization.security sets, as read (state/security-services.ts); undefined when it sets none. */
  services?: LiveSecurityServices;
}

export function planSecurity(desired: Desired, state: SecurityState): Plan {
  const admins = planDelegatedAdmins(desired, state.live, state.delegations);
  const trail = planTrail(desired, state.live, state.trail);
  const services = planSecurityServices(desired, state.live, state.services);
  const basis = { config: digest([admins.basis.config, desired.organization.security]), live: digest([admins.basis.live, state.trail ?? null, state.services ?? null]) };
  return makePlan('sync-security', basis, [...admins.changes, ...trail.changes, ...services.changes], {
    notes: [...admins.notes, ...trail.notes, ...services.notes],
    conflicts: [...admins.conflicts, ...services.conflicts],
  });
}
