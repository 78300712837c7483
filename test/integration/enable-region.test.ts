/**
 * enable-region end to end: the organization and its accounts on moto, the CLI run with
 * --direct from the management account, so the handlers run in this process.
 *
 * moto has no region opt-in API, so the AccountClient is mocked with aws-sdk-client-mock:
 * ListRegions, GetRegionOptStatus, EnableRegion and DisableRegion answer from a small model
 * of AWS's asynchronous opt status per (account, region). EnableRegion moves a region
 * DISABLED → ENABLING, and after a few reads of its status it becomes ENABLED (DisableRegion
 * likewise through DISABLING); like AWS, the model refuses a seventh opt-in in flight for
 * one account. Every other service (Organizations, STS) is moto's.
 *
 * The last block runs without the mock: through the bus to the handlers in the sandbox
 * worker, region opt-in is reported as unsupported by the local emulator in one line.
 */
import {
  AccountClient,
  DisableRegionCommand,
  EnableRegionCommand,
  GetRegionOptStatusCommand,
  ListRegionsCommand,
  type RegionOptStatus,
} from '@aws-sdk/client-account';
import { ListAccountsCommand, UntagResourceCommand } from '@aws-sdk/client-organizations';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPLIED_REGIONS_TAG } from '../../src/config/identity-tags.js';
import { isOptInRegion, REGION_NAMES } from '../../src/config/regions.js';
import { OPT_INS_PER_ACCOUNT } from '../../src/execute/account-settings.js';
import { dslText } from '../helpers/dsl.js';
import { policy } from '../helpers/repo.js';
import { ciCli, createTestOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let management: string;
let foo: string;
let direct: CiCli;

/** ListRegions pages this small, so every reader goes through NextToken. */
const PAGE_SIZE = 5;

/**
 * AWS's opt status of each (account, region), as the Account API shows it. A region in
 * ENABLING or DISABLING settles on its `settleAfter`-th read (ListRegions or
 * GetRegionOptStatus).
 */
class FakeRegions {
  private readonly states = new Map<string, { status: RegionOptStatus; reads: number; settleAfter: number }>();
  /** The most opt-ins in flight for one account at any moment. */
  maxInFlight = 0;

  constructor(private readonly settleAfter = 2) {}

  private entry(account: string, region: string) {
    const key = `${account}/${region}`;
    let state = this.states.get(key);
    if (!state) {
      state = { status: isOptInRegion(region) ? 'DISABLED' : 'ENABLED_BY_DEFAULT', reads: 0, settleAfter: this.settleAfter };
      this.states.set(key, state);
    }
    return state;
  }

  /** Start a region in a state, e.g. ENABLING from an earlier run; `settleAfter: Infinity` never settles. */
  seed(account: string, region: string, status: RegionOptStatus, settleAfter = this.settleAfter): void {
    Object.assign(this.entry(account, region), { status, reads: 0, settleAfter });
  }

  status(account: string, region: string): RegionOptStatus {
    return this.entry(account, region).status;
  }

  read(account: string, region: string): RegionOptStatus {
    const state = this.entry(account, region);
    if (state.status === 'ENABLING' || state.status === 'DISABLING') {
      state.reads += 1;
      if (state.reads >= state.settleAfter) state.status = state.status === 'ENABLING' ? 'ENABLED' : 'DISABLED';
    }
    return state.status;
  }

  private inFlight(account: string): number {
    return [...this.states].filter(([key, s]) => key.startsWith(`${account}/`) && (s.status === 'ENABLING' || s.status === 'DISABLING')).length;
  }

  change(account: string, region: string, direction: 'enable' | 'disable'): void {
    const state = this.entry(account, region);
    const from = direction === 'enable' ? 'DISABLED' : 'ENABLED';
    if (state.status !== from) throw Object.assign(new Error(`${region} is ${state.status}`), { name: 'ConflictException' });
    if (this.inFlight(account) >= OPT_INS_PER_ACCOUNT) throw Object.assign(new Error('too many opt-ins in flight'), { name: 'TooManyRequestsException' });
    Object.assign(state, { status: direction === 'enable' ? 'ENABLING' : 'DISABLING', reads: 0 });
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight(account));
  }
}

let regions: FakeRegions;
let account: AwsClientStub<AccountClient>;

function mockAccountApi(model: FakeRegions) {
  const mock = mockClient(AccountClient);
  // The handler acting on its own account (the management account here) leaves AccountId out.
  const whose = (input: { AccountId?: string }) => input.AccountId ?? management;
  mock.onAnyCommand().rejects(new Error('unexpected Account command'));
  mock.on(ListRegionsCommand).callsFake((input) => {
    const start = Number(input.NextToken ?? 0);
    const page = REGION_NAMES.slice(start, start + PAGE_SIZE).map((r) => ({ RegionName: r, RegionOptStatus: model.read(whose(input), r) }));
    return { Regions: page, NextToken: start + PAGE_SIZE < REGION_NAMES.length ? String(start + PAGE_SIZE) : undefined };
  });
  mock.on(GetRegionOptStatusCommand).callsFake((input) => ({ RegionName: input.RegionName, RegionOptStatus: model.read(whose(input), input.RegionName) }));
  mock.on(EnableRegionCommand).callsFake((input) => (model.change(whose(input), input.RegionName, 'enable'), {}));
  mock.on(DisableRegionCommand).callsFake((input) => (model.change(whose(input), input.RegionName, 'disable'), {}));
  return mock;
}

/** foo's regions and disabled_regions, and a short opt-in timeout so the polls are fast. */
const dsl = (fooRegions: string[], options: { disabled?: string[]; timeoutSeconds?: number } = {}) =>
  dslText([
    [['organization', 'limits', 'region_opt_in_timeout_seconds'], options.timeoutSeconds ?? 5],
    [['accounts', 'foo', 'regions'], ['ap-southeast-2', 'us-east-1', ...fooRegions]],
    ...(options.disabled ? [[['accounts', 'foo', 'disabled_regions'], options.disabled] as [string[], string[]]] : []),
  ]);

const sent = (command: typeof EnableRegionCommand | typeof DisableRegionCommand) =>
  account
    .commandCalls(command)
    .map((c) => `${c.args[0].input.AccountId}/${c.args[0].input.RegionName}`)
    .sort();

beforeAll(async () => {
  org = await createTestOrganization(dslText());
  management = org.desired.organization.management_account_id;
  direct = await ciCli(org, dslText(), management);
  expect((await direct.cli('--direct', '--action', 'sync-accounts', '--execute')).code).toBe(0);
  const organizations = await org.factory.forAccount(management).client('organizations');
  foo = (await organizations.send(new ListAccountsCommand({}))).Accounts!.find((a) => a.Name === 'foo-nonprod')!.Id!;
});

afterAll(() => org.close());

describe('enable-region, the Account API mocked', () => {
  beforeEach(async () => {
    regions = new FakeRegions();
    account = mockAccountApi(regions);
    // Each test's regions start afresh, as if changed by hand: what an earlier test's run recorded vouches for nothing.
    const organizations = await org.factory.forAccount(management).client('organizations');
    await organizations.send(new UntagResourceCommand({ ResourceId: foo, TagKeys: [APPLIED_REGIONS_TAG] }));
  });

  afterEach(() => {
    account.restore();
  });

  it('without --execute plans the opt-in region and asks AWS for nothing', async () => {
    direct.workspace.write(dsl(['ap-east-1']));
    const { code, out } = await direct.cli('--direct', '--action', 'enable-region', '--detailed-exitcode');
    expect(code).toBe(2);
    expect(out).toMatch(new RegExp(`\\+ region\\.enable +foo/ap-east-1 \\(${foo}\\) +DISABLED → ENABLED +\\(not-enabled\\)`));
    expect(out).toContain('Plan: 1 change');
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
    expect(regions.status(foo, 'ap-east-1')).toBe('DISABLED');
  });

  it('with --execute asks once per region, waits until they are ENABLED, and converges', async () => {
    direct.workspace.write(dsl(['ap-east-1', 'me-south-1']));
    const { code, out } = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    expect(code).toBe(0);
    expect(sent(EnableRegionCommand)).toEqual([`${foo}/ap-east-1`, `${foo}/me-south-1`]);
    expect(out).toContain('Applied 2 of 2 changes');
    // Converged means the read after the run saw ENABLED: the run waited for the reads that settle it.
    expect(out).toContain('Converged: the organization matches the repository.');
    expect([regions.status(foo, 'ap-east-1'), regions.status(foo, 'me-south-1')]).toEqual(['ENABLED', 'ENABLED']);

    const again = await direct.cli('--direct', '--action', 'enable-region', '--detailed-exitcode');
    expect(again.code).toBe(0);
    expect(again.out).toContain('No changes.');
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(2);
  });

  it('tags an account found as the DSL says; the next plan does not read its regions, --refresh does', async () => {
    direct.workspace.write(dsl(['ap-east-1']));
    regions.seed(foo, 'ap-east-1', 'ENABLED');
    const recorded = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    expect(recorded.code).toBe(0);
    expect(recorded.err).toContain('recorded 1 account as the repository wants (orgvend:applied-regions)');
    const reads = () => account.commandCalls(ListRegionsCommand).length;
    const before = reads();
    const plain = await direct.cli('--direct', '--action', 'enable-region', '--detailed-exitcode');
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('1 account not read: orgvend:applied-regions says it is as the repository wants');
    expect(reads()).toBe(before);
    // Disabled by hand: seen with --refresh alone.
    regions.seed(foo, 'ap-east-1', 'DISABLED');
    expect((await direct.cli('--direct', '--action', 'enable-region', '--detailed-exitcode')).code).toBe(0);
    const refreshed = await direct.cli('--direct', '--action', 'enable-region', '--detailed-exitcode', '--refresh');
    expect(refreshed.code).toBe(2);
    expect(refreshed.out).toMatch(/\+ region\.enable +foo\/ap-east-1 /);
  });

  it('waits for a region an earlier run left ENABLING, without asking again', async () => {
    direct.workspace.write(dsl(['ap-east-1']));
    // Still ENABLING when this run reads it (plan, then ENABLE_REGION's own read), ENABLED only after polls.
    regions.seed(foo, 'ap-east-1', 'ENABLING', 4);
    const { code, out } = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    expect(out).toMatch(new RegExp(`\\+ region\\.enable +foo/ap-east-1 \\(${foo}\\) +ENABLING: wait until ENABLED +\\(enabling\\)`));
    expect(code).toBe(0);
    expect(out).toContain('Converged');
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
    expect(regions.status(foo, 'ap-east-1')).toBe('ENABLED');
  });

  it('fails when the region is still ENABLING after region_opt_in_timeout_seconds, and the next run waits instead of asking again', async () => {
    direct.workspace.write(dsl(['ap-east-1'], { timeoutSeconds: 1 }));
    regions.seed(foo, 'ap-east-1', 'DISABLED', Infinity);
    const first = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    expect(first.code).toBe(1);
    const failure = first.out.split('\n').find((line) => line.includes('✗'));
    expect(failure).toContain(`ap-east-1 in foo/ap-east-1 (${foo}) is still ENABLING after 1s (organization.limits.region_opt_in_timeout_seconds)`);
    expect(first.out).toContain('Not converged');
    expect(sent(EnableRegionCommand)).toEqual([`${foo}/ap-east-1`]);

    regions.seed(foo, 'ap-east-1', 'ENABLING', 4);
    direct.workspace.write(dsl(['ap-east-1']));
    const second = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    expect(second.code).toBe(0);
    expect(second.out).toContain('Converged');
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(1);
  });

  it('disables only the regions disabled_regions lists, and leaves an unlisted enabled region alone', async () => {
    direct.workspace.write(dsl([], { disabled: ['me-south-1'] }));
    regions.seed(foo, 'me-south-1', 'ENABLED');
    regions.seed(foo, 'ap-east-1', 'ENABLED');
    const { code, out } = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    expect(out).toMatch(new RegExp(`- region\\.disable +foo/me-south-1 \\(${foo}\\) +ENABLED → DISABLED +\\(listed-in-disabled-regions\\)`));
    expect(out).toContain('note: opt-in regions enabled but in neither regions nor disabled_regions, left alone: foo (ap-east-1)');
    expect(code).toBe(0);
    expect(sent(DisableRegionCommand)).toEqual([`${foo}/me-south-1`]);
    expect(account.commandCalls(EnableRegionCommand)).toHaveLength(0);
    expect([regions.status(foo, 'me-south-1'), regions.status(foo, 'ap-east-1')]).toEqual(['DISABLED', 'ENABLED']);
  });

  it(`keeps at most ${OPT_INS_PER_ACCOUNT} opt-ins in flight for one account`, async () => {
    const eight = ['ap-east-1', 'me-south-1', 'af-south-1', 'eu-south-1', 'ap-south-2', 'il-central-1', 'me-central-1', 'ap-southeast-3'];
    direct.workspace.write(dsl(eight));
    const { code, out } = await direct.cli('--direct', '--action', 'enable-region', '--execute');
    // The model refuses a seventh in flight, so a run that sent one would have failed.
    expect(code).toBe(0);
    expect(out).toContain('Converged');
    expect(sent(EnableRegionCommand)).toEqual(eight.map((r) => `${foo}/${r}`).sort());
    expect(regions.maxInFlight).toBe(OPT_INS_PER_ACCOUNT);
  });

  it('refuses a region the SCPs deny, pointing at the regions entry, before any AWS call', async () => {
    direct.workspace.write(dsl(['ap-east-1']));
    direct.workspace.file(
      'scps/Internal/Dev/deny-ap-east-1.json',
      policy([{ Sid: 'DenyHongKong', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'ap-east-1' } } }]),
    );
    try {
      const { code, err, calls } = await direct.cli('--direct', '--action', 'enable-region', '--execute');
      expect(code).toBe(65);
      const lines = readFileSync(join(direct.workspace.cwd, 'accounts.yml'), 'utf8').split('\n');
      const line = lines.findIndex((l, i) => /^\s*- ap-east-1\s*$/.test(l) && lines.slice(0, i).some((p) => /^\s+regions:/.test(p))) + 1;
      expect(line).toBeGreaterThan(0);
      expect(err).toMatch(new RegExp(`error\\[region-denied-by-scp\\] accounts\\.yml:${line}:\\d+: .*opt-in region ap-east-1 is enabled for foo`));
      expect(calls).toEqual([]);
      expect(account.calls()).toEqual([]);
    } finally {
      direct.workspace.file('scps/Internal/Dev/deny-ap-east-1.json');
    }
  });
});

describe('enable-region on the local emulator', () => {
  it('says in one line that moto has no region opt-in API, and changes nothing', async () => {
    // As CI runs it: the CLI in the CICD account, the handlers in the sandbox worker, the bus between.
    const worker = org.startWorker();
    try {
      const ci = await ciCli(org, dsl(['ap-east-1']));
      const { code, out, err, calls } = await ci.cli('--action', 'enable-region', '--execute');
      expect(code).toBe(1);
      expect(err).toBe('enable-region: region opt-in is not supported by the local emulator: moto has no account:ListRegions. Nothing was changed.\n');
      expect(out).toBe('');
      expect(calls.map((c) => c.operation)).not.toContain('EnableRegion');
    } finally {
      await worker.stop();
    }
  });
});
