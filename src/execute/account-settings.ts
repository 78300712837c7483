/**
 * Carry out put-contacts and enable-region plans. Contacts are one request per change.
 * A region opt-in is asynchronous: the request starts it (or finds it started), then the
 * run waits, reading the opt status of every waiting account in one request per poll,
 * until the region is ENABLED or DISABLED, within organization.limits'
 * region_opt_in_timeout_seconds. AWS allows 6 opt-ins in flight per account and 50 per
 * organization; a slot is held until the region has settled.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { CONTACT_TYPES, type ContactType, type Organization } from '../config/schema.js';
import type { Change, Plan } from '../plan/plan.js';
import { regionIs, type AlternateContact, type RegionStatus, type ResultOf } from '../protocol/requests.js';
import type { Transport } from '../transport/transport.js';
import { readRegions } from '../state/account-settings.js';
import { independentSteps, runChanges, type ExecutionHooks, type StepResult } from './graph.js';

type Contacts = Partial<Record<ContactType, AlternateContact | null>>;
type Fields = { account_id: string; region: string; contacts: Contacts };

const before = (change: Change) => change.before as Fields;
const after = (change: Change) => change.after as Fields;

/** PutAlternateContact allows 5 calls a second; each request makes up to three. */
const CONTACT_REQUESTS_IN_FLIGHT = 2;
export const OPT_INS_PER_ACCOUNT = 6;
const OPT_INS_PER_ORGANIZATION = 50;

export function executeContactsPlan(plan: Plan, transport: Transport, hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  return runChanges(
    independentSteps(plan.changes, 'contacts'),
    {
      concurrency: () => CONTACT_REQUESTS_IN_FLIGHT,
      run: (change) => {
        const contacts = after(change).contacts;
        return transport.request('PUT_CONTACTS', {
          account_id: before(change).account_id,
          name: change.target,
          put: Object.fromEntries(Object.entries(contacts).filter(([, c]) => c !== null)),
          delete: CONTACT_TYPES.filter((type) => contacts[type] === null),
        });
      },
    },
    hooks,
  );
}

const SETTLED: ReadonlySet<RegionStatus> = new Set(['ENABLED', 'DISABLED', 'ENABLED_BY_DEFAULT']);

/**
 * Reads the opt status of the accounts someone waits for, all in one GET_REGIONS per poll,
 * and wakes each waiter once its region has settled.
 */
class RegionWatcher {
  private readonly waiters = new Set<{ account: string; region: string; resolve(status: RegionStatus): void; reject(error: Error): void }>();
  private polling = false;

  constructor(
    private readonly transport: Transport,
    private readonly pollMs: number,
  ) {}

  settled(account: string, region: string): Promise<RegionStatus> {
    return new Promise((resolve, reject) => {
      this.waiters.add({ account, region, resolve, reject });
      if (!this.polling) void this.poll();
    });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    while (this.waiters.size) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      const waiting = [...this.waiters];
      try {
        const statuses = await readRegions(this.transport, [...new Set(waiting.map((w) => w.account))]);
        for (const waiter of waiting) {
          const status = statuses.get(waiter.account)?.[waiter.region];
          if (status && SETTLED.has(status)) {
            this.waiters.delete(waiter);
            waiter.resolve(status);
          }
        }
      } catch (error) {
        for (const waiter of waiting) {
          this.waiters.delete(waiter);
          waiter.reject(error as Error);
        }
      }
    }
    this.polling = false;
  }

  /** Stop waiting for one region (its deadline passed). */
  forget(account: string, region: string): void {
    for (const waiter of this.waiters) if (waiter.account === account && waiter.region === region) this.waiters.delete(waiter);
  }
}

class RegionTimeoutError extends Error {
  override readonly name = 'RegionTimeoutError';
}

/** Polls often enough to notice within a twentieth of the timeout, at most every 15 s. */
const pollInterval = (timeoutSeconds: number) => Math.min(15_000, Math.max(250, (timeoutSeconds * 1000) / 20));

export function executeRegionPlan(plan: Plan, org: Organization, transport: Transport, hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  const timeoutSeconds = org.limits.region_opt_in_timeout_seconds;
  const watcher = new RegionWatcher(transport, pollInterval(timeoutSeconds));
  const perAccount = new Map<string, LimitFunction>();
  const slot = (account: string) => perAccount.get(account) ?? perAccount.set(account, pLimit(OPT_INS_PER_ACCOUNT)).get(account)!;

  async function settle(change: Change): Promise<ResultOf<'ENABLE_REGION'>> {
    const { account_id, region } = before(change);
    const type = change.type === 'region.enable' ? 'ENABLE_REGION' : 'DISABLE_REGION';
    const want = change.type === 'region.enable' ? 'ENABLED' : 'DISABLED';
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const result = await transport.request(type, { account_id, name: change.target, region });
      if (result.outcome === 'already-done') return result;
      const remaining = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const status = await Promise.race([
        watcher.settled(account_id, region),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            watcher.forget(account_id, region);
            reject(
              new RegionTimeoutError(
                `${region} in ${change.target} (${account_id}) is still ${result.status} after ${timeoutSeconds}s ` +
                  '(organization.limits.region_opt_in_timeout_seconds); run enable-region again later: it waits for it and does not ask again',
              ),
            );
          }, Math.max(0, remaining));
        }),
      ]).finally(() => clearTimeout(timer));
      if (regionIs(status, want)) return { status, outcome: result.outcome };
      // It settled the other way (an opposite change was still running): ask again.
    }
  }

  return runChanges(
    independentSteps(plan.changes, 'region'),
    { concurrency: () => OPT_INS_PER_ORGANIZATION, run: (change) => slot(before(change).account_id)(() => settle(change)) },
    hooks,
  );
}
