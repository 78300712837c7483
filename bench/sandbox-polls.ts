/**
 * What the sandbox's worker costs moto while nothing is asked: one long poll open on each
 * account's request queue (BENCH_POLL_QUEUES, 1,000), as the worker keeps them (20 s, as in
 * the sandbox benches). Prints moto's CPU share while they stay open, and the latency of
 * calls made meanwhile (sts:GetCallerIdentity, sqs:SendMessage), against the same moto with
 * no poll open. Says whether an idle organization's polling is what makes a large sandbox
 * slow, apart from the accounts themselves: the queues are all in one account (what many
 * accounts cost each call, bench/moto-accounts.ts measures). Starts its own moto.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { startMoto } from '../src/sandbox/moto.js';
import { timeRuns } from './timing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const QUEUES = Number(process.env.BENCH_POLL_QUEUES ?? 1000);
const WAIT_SECONDS = 20;
const SETTLE_MS = 3000;
const SAMPLE_MS = 10_000;
const CALLS = 100;

const moto = await startMoto();
try {
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const sqsClient = () => new SQSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  const sqs = sqsClient();
  /** moto's CPU time so far, in ms (utime + stime, /proc/<pid>/stat, in clock ticks of 10 ms). */
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${moto.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const target = (await sqs.send(new CreateQueueCommand({ QueueName: 'target' }))).QueueUrl!;
  const measure = async (polls: number) => {
    const limit = pLimit(8);
    const urls = await Promise.all(Array.from({ length: polls }, (_, i) => limit(async () => (await sqs.send(new CreateQueueCommand({ QueueName: `idle-${i}` }))).QueueUrl!)));
    let stopping = false;
    // Each queue with its own client, as the worker's accounts have: one connection each.
    const loops = urls.map(async (url) => {
      const client = sqsClient();
      while (!stopping) await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: WAIT_SECONDS }));
    });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const [cpu, started] = [cpuMs(), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    const share = (cpuMs() - cpu) / (performance.now() - started);
    const identity = await timeRuns(CALLS, () => sts.send(new GetCallerIdentityCommand({})));
    const send = await timeRuns(CALLS, () => sqs.send(new SendMessageCommand({ QueueUrl: target, MessageBody: 'bench' })));
    console.log(JSON.stringify({
      bench: 'sandbox idle polls',
      open_polls: polls,
      moto_cpu_share: Math.round(share * 100) / 100,
      get_caller_identity_median_ms: identity.median_ms,
      send_message_median_ms: send.median_ms,
    }));
    stopping = true;
    await Promise.all(loops);
  };
  await measure(0);
  await measure(QUEUES);
} finally {
  await moto.stop();
}
