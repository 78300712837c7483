/**
 * Sustained throttling: 400 Organizations calls from one long-lived client while AWS
 * throttles 60% of attempts (seeded), five calls in flight as LIST_ACCOUNTS reads tags.
 * Attempts per call and failed calls for each 100 calls, and the time it took (virtual:
 * the backoffs run in a moment), for the client as the factory made it before (the SDK's
 * adaptive mode, 8 attempts) and as it makes it now (retry.ts).
 */
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { ClientFactory } from '../src/aws/clients.js';
import { markRetryable } from '../src/aws/middleware.js';
import { seededRandom } from '../test/integration/harness/fault-proxy.js';
import { installVirtualClock } from './virtual-clock.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const clock = installVirtualClock();

const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const WINDOW = Math.min(100, CALLS);
const THROTTLED = 0.6;
const IN_FLIGHT = 5;
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** Answers like Organizations: a throttle for 60% of attempts, the organization otherwise. */
function throttlingAws(seed: number) {
  const random = seededRandom(seed);
  return {
    async handle() {
      const throttled = random() < THROTTLED;
      const body = throttled ? { __type: 'TooManyRequestsException', Message: 'Rate exceeded' } : { Organization: { Id: 'o-abc1234567', MasterAccountId: '111111111111' } };
      return {
        response: {
          statusCode: throttled ? 400 : 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      };
    },
  };
}

async function measure(label: string, client: OrganizationsClient): Promise<void> {
  const started = clock.now();
  const outcomes: { attempts: number; ok: boolean }[] = [];
  const limit = pLimit(IN_FLIGHT);
  await Promise.all(
    Array.from({ length: CALLS }, (_, i) =>
      limit(async () => {
        try {
          const { $metadata } = await client.send(new DescribeOrganizationCommand({}));
          outcomes[i] = { attempts: $metadata.attempts ?? 1, ok: true };
        } catch (error) {
          outcomes[i] = { attempts: (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1, ok: false };
        }
      }),
    ),
  );
  const windows = Array.from({ length: CALLS / WINDOW }, (_, w) => outcomes.slice(w * WINDOW, (w + 1) * WINDOW));
  console.log(
    JSON.stringify({
      bench: `throttling ${label}`,
      attempts_per_call: windows.map((calls) => (calls.reduce((n, c) => n + c.attempts, 0) / calls.length).toFixed(2)).join('/'),
      failed: windows.map((calls) => calls.filter((c) => !c.ok).length).join('/'),
      virtual_s: Math.round((clock.now() - started) / 1000),
    }),
  );
}

const before = new OrganizationsClient({ region: 'us-east-1', credentials, requestHandler: throttlingAws(7), maxAttempts: 8, retryMode: 'adaptive' });
markRetryable(before);
await measure('before (SDK adaptive, 8 attempts)', before);

const after = await new ClientFactory({ region: 'us-east-1', credentials, requestHandler: throttlingAws(7) }).client('organizations');
await measure('after (retry.ts)', after);
