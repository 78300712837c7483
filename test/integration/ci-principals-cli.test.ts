/**
 * The CLI run as CI runs it on moto, as orgvend-plan and as orgvend-apply (their
 * credentials in the environment), and every call it makes in the CICD account judged
 * against that role's policy as deployed there (read back from the stack, evaluated
 * offline: moto evaluates no IAM policy). So the roles' policies cover what each action
 * calls, the plan role's a whole dry run, and a new call of the CLI fails here until
 * src/bootstrap/ci-roles.ts grants it.
 */
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AwsCall } from '../../src/aws/clients.js';
import { NAMES } from '../../src/protocol/names.js';
import { REQUEST_KEY_ALIAS } from '../../src/protocol/signature.js';
import { evaluate, type PolicyDocument, type SampleRequest } from '../../src/scp/evaluate.js';
import { dslText } from '../helpers/dsl.js';
import { ciCli, createTestOrganization, type CiCli, type TestOrganization } from './harness/organization.js';

const BUCKETS = { 'ap-southeast-2': 'artifacts-apse2', 'us-east-1': 'artifacts-use1' };
const DSL = dslText([
  [['organization', 'artifact_buckets'], BUCKETS],
  [['organization', 'ci'], { github: { repository: 'acme/platform-org' } }],
]);

let org: TestOrganization;
let cicd: string;
let region: string;
let plan: CiCli;
let policies: Record<'plan' | 'apply', PolicyDocument>;

beforeAll(async () => {
  org = await createTestOrganization(DSL);
  org.startWorker();
  ({ cicd_account_id: cicd, home_region: region } = org.desired.organization);
  plan = await ciCli(org, DSL, undefined, NAMES.planRole);
  const template = (await org.stack(cicd, region, NAMES.stack))!.template;
  const roles = (parse(template, { customTags: [{ tag: '!GetAtt', resolve: (v: string) => ({ 'Fn::GetAtt': v.split('.') }) }, { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) }, { tag: '!Sub', resolve: (v: string) => ({ 'Fn::Sub': v }) }] }) as {
    Resources: Record<string, { Properties: { Policies: { PolicyDocument: PolicyDocument }[] } }>;
  }).Resources;
  const deployed = (id: string) => resolved(roles[id]!.Properties.Policies[0]!.PolicyDocument);
  policies = { plan: deployed('CiPlanRole'), apply: deployed('CiApplyRole') };
});

afterAll(() => org.close());

/** CloudFormation's functions in a role's document, resolved as in the CICD account. */
function resolved<T>(value: T): T {
  const arns: Record<string, string> = {
    EventBus: `arn:aws:events:${region}:${cicd}:event-bus/${org.desired.organization.event_bus}`,
    ReplyQueue: `arn:aws:sqs:${region}:${cicd}:${org.desired.organization.reply_queue}`,
  };
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => {
    if (v && typeof v === 'object' && 'Fn::Sub' in v) return (v as { 'Fn::Sub': string })['Fn::Sub'].replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', region).replace('${AWS::AccountId}', cicd);
    if (v && typeof v === 'object' && 'Fn::GetAtt' in v) return arns[(v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!];
    return v;
  }) as T;
}

/**
 * A call the CLI made in its own account as IAM authorizes it: the action, the resource and
 * the condition keys the policies name. Undefined for a call that needs no permission.
 * A call not listed here fails the test: say what it needs, and grant it in ci-roles.ts.
 */
function authorized(call: AwsCall): SampleRequest | undefined {
  const input = call.input as Record<string, unknown>;
  const queue = `arn:aws:sqs:${region}:${cicd}:${org.desired.organization.reply_queue}`;
  const object = () => `arn:aws:s3:::${input.Bucket as string}/${input.Key as string}`;
  switch (`${call.service}:${call.operation}`) {
    case 'sts:GetCallerIdentity':
      return undefined;
    case 'kms:Sign':
      // The CLI names the key by its alias, which only the request key has.
      expect(input.KeyId).toBe(REQUEST_KEY_ALIAS);
      return { action: 'kms:Sign', resource: `arn:aws:kms:${region}:${cicd}:key/request-key`, context: { 'kms:ResourceAliases': [REQUEST_KEY_ALIAS] } };
    case 'events:PutEvents': {
      const entries = input.Entries as { EventBusName: string; Source: string; DetailType: string }[];
      const [bus] = new Set(entries.map((e) => e.EventBusName));
      return { action: 'events:PutEvents', resource: `arn:aws:events:${region}:${cicd}:event-bus/${bus}`, context: { 'events:source': entries.map((e) => e.Source), 'events:detail-type': entries.map((e) => e.DetailType) } };
    }
    case 'sqs:GetQueueUrl':
      return { action: 'sqs:GetQueueUrl', resource: `arn:aws:sqs:${region}:${cicd}:${input.QueueName as string}`, context: {} };
    case 'sqs:ReceiveMessage':
      return { action: 'sqs:ReceiveMessage', resource: queue, context: {} };
    case 'sqs:DeleteMessageBatch':
      return { action: 'sqs:DeleteMessage', resource: queue, context: {} };
    case 'sqs:ChangeMessageVisibilityBatch':
      return { action: 'sqs:ChangeMessageVisibility', resource: queue, context: {} };
    case 'cloudformation:ValidateTemplate':
      return { action: 'cloudformation:ValidateTemplate', resource: '*', context: {} };
    case 's3:HeadObject':
      // HeadObject is authorized as GetObject (and answers 404 rather than 403 only with ListBucket).
    case 's3:GetObject':
      // The bucket's index (render/publish.ts INDEX_KEY).
      return { action: 's3:GetObject', resource: object(), context: {} };
    case 's3:HeadBucket':
      // The artifact bucket looked for before anything is planned for it (aws/s3.ts artifactBucketProblem), authorized as ListBucket.
      return { action: 's3:ListBucket', resource: `arn:aws:s3:::${input.Bucket as string}`, context: {} };
    case 's3:PutObject':
      return { action: 's3:PutObject', resource: object(), context: {} };
    default:
      throw new Error(`the CLI called ${call.service}:${call.operation} in the CICD account: add it to src/bootstrap/ci-roles.ts's CLI_CALLS and to this list`);
  }
}

const decide = (role: 'plan' | 'apply', request: SampleRequest) => evaluate([{ target: role, policies: [{ name: role, document: policies[role] }] }], request);
/** The CLI's calls in its own account (the CICD account's credentials: "ambient"). */
const own = (calls: AwsCall[]) => calls.filter((c) => c.account === 'ambient');

describe('the CLI in CI', () => {
  it('as orgvend-plan, makes only calls that role may make, through whole dry runs', async () => {
    const runs = [await plan.cli('--action', 'sync-accounts'), await plan.cli('--action', 'render-templates'), await plan.cli('--action', 'ping')];
    for (const run of runs) expect(run.code, run.err).toBe(0);
    const calls = own(runs.flatMap((r) => r.calls));
    // Not vacuous: the bus, the key, the reply queue, CloudFormation and S3 were all called.
    expect([...new Set(calls.map((c) => `${c.service}:${c.operation}`))]).toEqual(expect.arrayContaining(['kms:Sign', 'events:PutEvents', 'sqs:ReceiveMessage', 'sqs:DeleteMessageBatch', 'cloudformation:ValidateTemplate']));
    for (const call of calls) {
      const request = authorized(call);
      if (request) expect(decide('plan', request), `${call.operation} ${JSON.stringify(request)}`).toMatchObject({ decision: 'allowed' });
    }
  });

  it('as orgvend-apply, makes only calls that role may make through --execute, whose requests and uploads orgvend-plan may not make', async () => {
    const apply = await ciCli(org, DSL, undefined, NAMES.applyRole);
    const runs = [await apply.cli('--action', 'sync-accounts', '--execute'), await apply.cli('--action', 'render-templates', '--execute')];
    for (const run of runs) expect(run.code, run.err).toBe(0);
    const calls = own(runs.flatMap((r) => r.calls));
    expect([...new Set(calls.map((c) => `${c.service}:${c.operation}`))]).toEqual(expect.arrayContaining(['events:PutEvents', 's3:PutObject', 's3:HeadObject', 's3:GetObject']));
    const requests = calls.map(authorized).filter((r): r is SampleRequest => r !== undefined);
    for (const request of requests) expect(decide('apply', request), JSON.stringify(request)).toMatchObject({ decision: 'allowed' });
    // The same calls as orgvend-plan: every request put with the organization's source, and every upload, refused.
    const refused = requests.filter((r) => decide('plan', r).decision === 'denied');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.action === 's3:PutObject' || (r.action === 'events:PutEvents' && r.context!['events:source']!.includes('app.infra'))), JSON.stringify(refused)).toBe(true);
    expect(requests.filter((r) => r.action === 's3:PutObject' || (r.action === 'events:PutEvents' && r.context!['events:source']!.includes('app.infra'))).every((r) => decide('plan', r).decision === 'denied')).toBe(true);

    // A pull request's render-templates now finds the uploaded templates through the buckets'
    // indexes (and with --refresh each template itself): as orgvend-plan (its credentials back
    // in the environment, which ciCli stubbed with orgvend-apply's), it may read them.
    for (const [key, value] of Object.entries(plan.workspace.env)) vi.stubEnv(key, value);
    const replans = [await plan.cli('--action', 'render-templates'), await plan.cli('--action', 'render-templates', '--refresh')];
    for (const replan of replans) expect(replan.code, replan.err).toBe(0);
    const reads = own(replans.flatMap((r) => r.calls)).filter((c) => c.operation === 'HeadObject' || c.operation === 'GetObject');
    expect(new Set(reads.map((c) => c.operation))).toEqual(new Set(['HeadObject', 'GetObject']));
    for (const call of reads) expect(decide('plan', authorized(call)!), JSON.stringify(call.input)).toMatchObject({ decision: 'allowed' });
  });
});
