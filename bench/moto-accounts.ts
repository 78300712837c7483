/**
 * What one call costs the sandbox's moto as the accounts in it grow: the latency of
 * sqs:ListQueues signed as an account's assumed role (as the handlers and the worker's polls
 * are signed), with 10 accounts known to moto and then with BENCH_MOTO_ACCOUNTS (1,000),
 * each made known by an sts:AssumeRole into it, as bootstrap and the worker do. A cost that
 * grows with the accounts is paid by every call of every bench at that size. And the CPU a
 * call costs moto, server included. The same for a call signed with a key moto never issued
 * (the sandbox's own, SANDBOX_CREDENTIALS: its management account, moto's default). And an
 * AssumeRole into one more account with the first call its new key signs. Starts
 * its own moto, with the sandbox's launcher (src/sandbox/moto.ts).
 */
import { readFileSync } from 'node:fs';
import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { startMoto } from '../src/sandbox/moto.js';
import { timeRuns } from './timing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ACCOUNTS = Number(process.env.BENCH_MOTO_ACCOUNTS ?? 1000);
const CALLS = 200;
const FRESH = 50;

const moto = await startMoto();
/** moto's CPU time so far (user and system), in ms: /proc/PID/stat's utime and stime, in clock ticks of 10 ms. */
const motoCpuMs = () => readFileSync(`/proc/${moto.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ').slice(11, 13).reduce((sum, ticks) => sum + Number(ticks) * 10, 0);
try {
  const base = { region: 'us-east-1', endpoint: moto.endpoint };
  const own = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const sts = new STSClient({ ...base, credentials: own });
  const sqsOwn = new SQSClient({ ...base, credentials: own });
  const limit = pLimit(8);
  let known = 0;
  /** sts:AssumeRole into the `n`th account, made known to moto by it. */
  const assume = (n: number) => sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${200000000000 + n}:role/bench`, RoleSessionName: 'bench' }));
  const sqsAs = ({ Credentials: c }: Awaited<ReturnType<typeof assume>>) =>
    new SQSClient({ ...base, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken } });
  /** Assume a role in each account up to `count`; a client signed as the last one. */
  const knowUpTo = async (count: number) => {
    const assumed = await Promise.all(Array.from({ length: count - known }, (_, i) => limit(() => assume(known + i))));
    known = count;
    return sqsAs(assumed.at(-1)!);
  };
  const figures: Record<string, number> = {};
  /** The median latency of ListQueues from `sqs`, and what a call costs moto's one CPU, the server's own work included (connections, threads). */
  const measure = async (sqs: SQSClient, name: string) => {
    await sqs.send(new ListQueuesCommand({}));
    const cpuBefore = motoCpuMs();
    figures[`${name}_median_ms`] = (await timeRuns(CALLS, () => sqs.send(new ListQueuesCommand({})))).median_ms;
    figures[`${name}_moto_cpu_ms_per_call`] = Math.round(((motoCpuMs() - cpuBefore) / CALLS) * 100) / 100;
  };
  /** AssumeRole into one more account and the first call its new key signs, as a handler's first call into an account: the median of FRESH. */
  const measureFresh = async (name: string) => {
    figures[`${name}_median_ms`] = (await timeRuns(FRESH, async () => sqsAs(await assume(known++)).send(new ListQueuesCommand({})))).median_ms;
  };
  for (const count of [10, ACCOUNTS]) {
    await measure(await knowUpTo(count), `assumed_at_${count}`);
    await measure(sqsOwn, `own_key_at_${count}`);
    await measureFresh(`fresh_key_at_${count}`);
  }
  console.log(JSON.stringify({ bench: 'moto call cost by accounts', accounts: ACCOUNTS, ...figures }));
} finally {
  await moto.stop();
}
