/**
 * Sustained throttling, end to end: a fault proxy in front of moto throttles 60% of the
 * calls of both the CLI and the handlers' worker (seeded: THROTTLE_SEED replays a run), and
 * sync-accounts --execute still converges. The product's retry strategy, budget and pacing
 * run as they are; only the backoff is scaled down (RetryPolicy, as any caller may set it),
 * since this proxy throttles at random rather than by rate, and at AWS's pace the test would
 * take minutes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRecorder } from '../../src/audit/recorder.js';
import { ClientFactory, type AwsCall } from '../../src/aws/clients.js';
import type { RetryPolicy } from '../../src/aws/retry.js';
import { runCli } from '../../src/cli/run.js';
import { AwsError } from '../../src/errors.js';
import { SANDBOX_CREDENTIALS, SANDBOX_ROLE } from '../../src/sandbox/sandbox.js';
import { EventBridgeTransport, kmsSigner } from '../../src/transport/eventbridge.js';
import { dslText } from '../helpers/dsl.js';
import { captureIo } from '../helpers/io.js';
import { seededRandom, startFaultProxy, type Fault, type FaultProxy, type ProxiedCall } from './harness/fault-proxy.js';
import { ciCli, createTestOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

const SEED = Number(process.env.THROTTLE_SEED ?? 60);
const THROTTLED = 0.6;
/** Backoff in tens of milliseconds instead of seconds; the adaptive limiter kept from slowing a client to AWS's floor. */
const FAST: Partial<RetryPolicy> = { baseDelayMs: 5, throttlingBaseDelayMs: 20, maxDelayMs: 400, minSendRate: 50 };

// Three new accounts: foo and dns from the minimal DSL, and bar.
const DSL = dslText([[['accounts', 'bar'], { scope: 'infra' }]]);

let org: TestOrganization;
let proxy: FaultProxy;
let workspace: CiCli['workspace'];
let decide: (call: ProxiedCall) => Fault = () => 'pass';

/** The CLI as CI runs it, its SDK pointed at the proxy; `calls` are this run's AWS calls. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; calls: AwsCall[] }> {
  const calls: AwsCall[] = [];
  const io = captureIo({ cwd: workspace.cwd });
  const code = await runCli(argv, io, { onCall: (call) => calls.push(call), retry: FAST });
  return { code, out: io.out(), err: io.err(), calls };
}

/** Calls the proxy saw and throttled, over all services. */
function throttledShare(): { calls: number; throttled: number } {
  let calls = 0;
  let throttled = 0;
  for (const entry of proxy.seen.values()) {
    calls += entry.calls;
    throttled += entry.faults.throttle ?? 0;
  }
  return { calls, throttled };
}

beforeAll(async () => {
  org = await createTestOrganization(DSL);
  proxy = await startFaultProxy(org.endpoint, (call) => decide(call));
  const region = org.desired.organization.home_region;
  // The worker's clients as the sandbox makes them, but through the proxy.
  org.startWorker({ factory: new ClientFactory({ region, endpoint: proxy.endpoint, credentials: SANDBOX_CREDENTIALS, roleName: SANDBOX_ROLE, retry: FAST }) });
  ({ workspace } = await ciCli(org, DSL));
  vi.stubEnv('AWS_ENDPOINT_URL', proxy.endpoint);
});

afterAll(async () => {
  await org.close();
  await proxy.close();
});

describe('a 60% throttling storm', () => {
  it('slows sync-accounts --execute down but does not fail it: it converges, one account per entry, and the next plan is empty', { timeout: 240_000 }, async () => {
    const random = seededRandom(SEED);
    decide = () => (random() < THROTTLED ? 'throttle' : 'pass');
    const run = await cli('--action', 'sync-accounts', '--execute');
    const storm = throttledShare();
    decide = () => 'pass';

    expect(run.err).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.out).toContain('Converged: the organization matches the repository.');
    // The storm was one: most calls of the run were throttled at least once.
    expect(storm.throttled / storm.calls).toBeGreaterThan(0.5);
    expect(Object.keys(await managedIds(org)).sort()).toEqual(['bar', 'dns', 'foo']);

    const next = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    expect(next.code).toBe(0);
    expect(next.out).toContain('No changes');
  });

  it('fails a request whose PutEvents AWS throttles to its timeout with a message naming it, its nonce and what to do', async () => {
    decide = (call) => (call.operation === 'PutEvents' ? 'throttle' : 'pass');
    const cicd = new ClientFactory({ region: org.desired.organization.home_region, endpoint: proxy.endpoint, credentials: SANDBOX_CREDENTIALS, roleName: SANDBOX_ROLE, retry: FAST }).forAccount(
      org.desired.organization.cicd_account_id,
    );
    const putsBefore = proxy.reached('PutEvents');
    const transport = new EventBridgeTransport(cicd, org.topology, false, new MemoryRecorder(), kmsSigner(cicd, org.desired.organization.cicd_account_id, org.desired.organization.home_region));
    try {
      const error = await transport.request('LIST_ACCOUNTS', {}, { timeoutSeconds: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsError);
      const { message, nonce } = error as AwsError;
      const management = org.desired.organization.management_account_id;
      expect(message).toMatch(new RegExp(`^LIST_ACCOUNTS \\(nonce ${nonce}\\) for account ${management} was not sent: AWS throttled PutEvents on all \\d+ attempts over \\d+s \\(ThrottlingException: Rate exceeded\\)`));
      expect(message).toContain('run again later: nothing will be done twice');
      expect(proxy.reached('PutEvents')).toBe(putsBefore);
    } finally {
      decide = () => 'pass';
      await transport.close();
    }
  });
});
