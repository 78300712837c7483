/**
 * templates/ecr-repositories.yml.njk and templates/account/vpc.yml.njk, rendered for the
 * repository's accounts.yml (the golden fixture) and for variants of it built in memory:
 * who may pull each repository, its lifecycle rules, and the shape of each account's VPC.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { templateContext } from '../../../src/render/context.js';
import { cfnLint } from '../../../src/render/lint.js';
import { renderTemplates, type RenderedTemplate } from '../../../src/render/render.js';
import { desiredOf, exampleText } from '../../helpers/dsl.js';
import { fixtureIds, NOT_CREATED, REPO, renderFixture } from '../../helpers/render-fixture.js';

const ECR = 'templates/ecr-repositories.yml.njk';
const VPC = 'templates/account/vpc.yml.njk';

/** CloudFormation's short tags in long form, so a test can read what an intrinsic points at. */
const fn = (name: string, collection?: 'seq') => ({
  tag: `!${name}`,
  ...(collection ? { collection } : {}),
  resolve: (v: unknown) => ({ [`Fn::${name}`]: typeof (v as { toJSON?: unknown })?.toJSON === 'function' ? (v as { toJSON: () => unknown }).toJSON() : v }),
});
const CFN_TAGS = [
  { tag: '!Ref', resolve: (v: string) => ({ Ref: v }) },
  { tag: '!GetAtt', resolve: (v: string) => ({ 'Fn::GetAtt': v.split('.') }) },
  fn('Sub'),
  fn('GetAZs'),
  fn('Select', 'seq'),
  fn('Cidr', 'seq'),
  fn('Join', 'seq'),
];

type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown; Export?: { Name: string } }> };
const template = (t: RenderedTemplate) => parse(t.text, { customTags: CFN_TAGS as never }) as Template;
const ofType = (tpl: Template, type: string) => Object.entries(tpl.Resources).filter(([, r]) => r.Type === type);

type Changes = [path: (string | number)[], value: unknown][];


/** accounts.yml with `changes`, rendered with the repository's templates; only ours are returned. */
async function renderVariant(changes: Changes, notCreated: string[] = [NOT_CREATED]) {
  const desired = desiredOf(changes, exampleText());
  const ids = fixtureIds(desired.accounts.map((a) => a.name), notCreated);
  const result = await renderTemplates(REPO, templateContext(desired, ids));
  const ours = new Set([ECR, VPC]);
  expect(result.diagnostics.filter((d) => ours.has(d.file))).toEqual([]);
  return { ids, templates: result.templates.filter((t) => ours.has(t.source)) };
}

const repository = (tpl: Template, name: string) => {
  const found = ofType(tpl, 'AWS::ECR::Repository').find(([, r]) => r.Properties.RepositoryName === name);
  if (!found) throw new Error(`no repository ${name}`);
  return found;
};
const pullPrincipals = (r: Resource) => {
  const policy = r.Properties.RepositoryPolicyText as { Statement: { Principal: { AWS: string[] }; Action: string[] }[] } | undefined;
  return policy?.Statement.flatMap((s) => s.Principal.AWS);
};
const root = (id: string | undefined) => `arn:aws:iam::${id}:root`;

const REPOSITORIES = [
  {
    name: 'foo-image',
    lifecycle: [
      { tag_status: 'untagged', expire_after_days: 7 },
      { tag_status: 'tagged', tag_prefixes: ['dev-', 'pr-'], expire_after_days: 14 },
      { tag_status: 'any', keep_count: 500, description: 'never more than 500 images' },
    ],
    pull: [{ environments: ['nonprod'], services: ['foo'] }],
  },
  { name: 'team/shared.base_image', pull: [{ services: ['bar', 'payments'] }] },
  { name: 'scp-probe', pull: [{ services: ['scp-test'] }] },
];

async function renderEcr(extra: Changes = [], notCreated: string[] = [NOT_CREATED]) {
  const variant = await renderVariant([[['ecr_repositories'], REPOSITORIES], ...extra], notCreated);
  const ecr = variant.templates.find((t) => t.source === ECR);
  if (!ecr) throw new Error('no ecr-repositories.yml rendered');
  return { ...variant, ecr, tpl: template(ecr) };
}

let plain: ReturnType<typeof renderEcr> | undefined;
/** renderEcr() with no changes: rendered once for the tests that only read it. */
const renderedEcr = () => (plain ??= renderEcr());

describe('ecr-repositories.yml', () => {
  it('grants pull to exactly the existing accounts running the named services in the named environments', async () => {
    const { ids, tpl } = await renderedEcr();
    // foo runs foo in nonprod; foo-prod runs foo in prod and is left out.
    expect(pullPrincipals(repository(tpl, 'foo-image')[1])).toEqual([root(ids.get('foo'))]);
    // No environment named: every account running the services, sorted by id.
    expect(pullPrincipals(repository(tpl, 'team/shared.base_image')[1])).toEqual(['bar', 'bar-prod', 'payments'].map((n) => root(ids.get(n))).sort());
    const actions = (repository(tpl, 'foo-image')[1].Properties.RepositoryPolicyText as { Statement: { Action: string[] }[] }).Statement.flatMap((s) => s.Action);
    expect(actions.sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
  });

  it('grants pull to a new account of the service once it has an id, and not before', async () => {
    const newAccount: Changes[number] = [['accounts', 'foo-staging'], { service: 'foo', scope: 'dev' }];
    const before = await renderEcr([newAccount], [NOT_CREATED, 'foo-staging']);
    expect(pullPrincipals(repository(before.tpl, 'foo-image')[1])).toEqual([root(before.ids.get('foo'))]);

    const after = await renderEcr([newAccount]);
    expect(pullPrincipals(repository(after.tpl, 'foo-image')[1])).toEqual([root(after.ids.get('foo')), root(after.ids.get('foo-staging'))].sort());
  });

  it('leaves the repository policy out when no existing account may pull', async () => {
    const { tpl } = await renderedEcr();
    expect(repository(tpl, 'scp-probe')[1].Properties).not.toHaveProperty('RepositoryPolicyText');
  });

  it('writes the lifecycle rules as compact JSON, in order, numbered from 1', async () => {
    const { tpl } = await renderedEcr();
    const text = (repository(tpl, 'foo-image')[1].Properties.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText;
    expect(text).toBe(JSON.stringify(JSON.parse(text)));
    expect(JSON.parse(text)).toEqual({
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'tagged', tagPrefixList: ['dev-', 'pr-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
        { rulePriority: 3, description: 'never more than 500 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 500 }, action: { type: 'expire' } },
      ],
    });
    expect(repository(tpl, 'team/shared.base_image')[1].Properties).not.toHaveProperty('LifecyclePolicy');
  });

  it('scans on push, keeps tags immutable and names each repository by an alphanumeric id from its name', async () => {
    const { tpl } = await renderedEcr();
    expect(Object.keys(tpl.Resources)).toEqual(['RepositoryFooImage', 'RepositoryTeamSharedBaseImage', 'RepositoryScpProbe']);
    for (const [, r] of ofType(tpl, 'AWS::ECR::Repository')) {
      expect(r.Properties).toMatchObject({ ImageScanningConfiguration: { ScanOnPush: true }, ImageTagMutability: 'IMMUTABLE' });
    }
  });

  it('renders no file without repositories', async () => {
    const { templates } = await renderVariant([[['ecr_repositories'], []]]);
    expect(templates.filter((t) => t.source === ECR)).toEqual([]);
  });
});

describe('vpc/<account>.yml', () => {
  it('exists only for the accounts with create_vpc', async () => {
    const { templates } = await renderFixture();
    const vpcs = templates.filter((t) => t.source === VPC);
    const wanted = desiredOf([], exampleText()).accounts.filter((a) => a.lifecycle === 'active' && a.settings.create_vpc).map((a) => a.name);
    expect(vpcs.map((t) => t.account).sort()).toEqual(wanted.sort());
    expect(vpcs.map((t) => t.output)).not.toContain('vpc/foo.yml'); // foo turns its scope's create_vpc off
    expect(vpcs.length).toBeGreaterThan(0);
  });

  it('has nat_gateway_count NAT gateways, in max(2, nat_gateway_count) zones, each private subnet routed through its zone NAT or the first', async () => {
    const counts: Record<string, number> = { 'nat-zero': 0, 'nat-one': 1, 'nat-three': 3 };
    const { templates } = await renderVariant(Object.entries(counts).map(([name, n]) => [['accounts', name], { service: name, scope: 'standard', nat_gateway_count: n }]));
    for (const [name, n] of Object.entries(counts)) {
      const tpl = template(templates.find((t) => t.output === `vpc/${name}.yml`)!);
      const zones = Math.max(2, n);
      expect(ofType(tpl, 'AWS::EC2::NatGateway'), name).toHaveLength(n);
      expect(ofType(tpl, 'AWS::EC2::EIP'), name).toHaveLength(n);
      const subnets = ofType(tpl, 'AWS::EC2::Subnet');
      expect(subnets, name).toHaveLength(2 * zones);
      const zoneIndexes = subnets.map(([, s]) => (s.Properties.AvailabilityZone as { 'Fn::Select': [number, unknown] })['Fn::Select'][0]);
      expect(new Set(zoneIndexes), name).toEqual(new Set(Array.from({ length: zones }, (_, i) => i)));

      const routes = ofType(tpl, 'AWS::EC2::Route').filter(([, r]) => 'NatGatewayId' in r.Properties);
      expect(routes, name).toHaveLength(n === 0 ? 0 : zones);
      for (const [, route] of routes) {
        const zone = Number(/PrivateRouteTable(\d+)/.exec((route.Properties.RouteTableId as { Ref: string }).Ref)![1]);
        expect((route.Properties.NatGatewayId as { Ref: string }).Ref, name).toBe(`NatGateway${zone <= n ? zone : 1}`);
      }
    }
  });

  it('makes no IAM resource: its flow log delivers through the bootstrap stack\'s role, to the one log group that role may write to', async () => {
    const { templates } = await renderFixture();
    const tpl = template(templates.find((t) => t.output === 'vpc/payments.yml')!);
    expect(Object.values(tpl.Resources).map((r) => r.Type).filter((t) => t.startsWith('AWS::IAM::'))).toEqual([]);
    expect(tpl.Resources.FlowLogs!.Properties.LogGroupName).toBe('orgvend-vpc-flow-logs');
    expect(tpl.Resources.FlowLog!.Properties).toMatchObject({
      LogGroupName: { Ref: 'FlowLogs' },
      DeliverLogsPermissionArn: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orgvend-vpc-flow-logs' },
    });
  });

  it('keeps the log group earlier stacks wrote their flow logs to, so updating one deletes no flow log', async () => {
    const { templates } = await renderFixture();
    const tpl = template(templates.find((t) => t.output === 'vpc/payments.yml')!);
    // Same logical id and properties as before, and retained if it ever leaves the template.
    expect(tpl.Resources.FlowLogGroup).toEqual({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { RetentionInDays: 400 } });
    // The flow log is replaced (its role changed) before the old one goes: into another group, as EC2
    // refuses a second flow log of the VPC to the same group.
    expect(tpl.Resources.FlowLog!.Properties.LogGroupName).not.toEqual({ Ref: 'FlowLogGroup' });
  });

  it('exports its ids under names that start with the account name', async () => {
    const { templates } = await renderFixture();
    const tpl = template(templates.find((t) => t.output === 'vpc/payments.yml')!);
    expect(Object.values(tpl.Outputs).map((o) => o.Export?.Name)).toEqual(['payments-vpc-id', 'payments-vpc-cidr', 'payments-public-subnet-ids', 'payments-private-subnet-ids']);
  });
});

describe('both templates', () => {
  it('render to the same bytes every time and pass cfn-lint with no error or warning', async () => {
    const changes: Changes = [
      [['ecr_repositories'], REPOSITORIES],
      [['accounts', 'nat-zero'], { service: 'nat-zero', scope: 'dev', nat_gateway_count: 0 }],
      [['accounts', 'nat-six'], { service: 'nat-six', scope: 'standard', region: 'us-east-1', nat_gateway_count: 6 }],
    ];
    const [a, b] = [await renderVariant(changes), await renderVariant(changes)];
    expect(b.templates.map((t) => t.sha256)).toEqual(a.templates.map((t) => t.sha256));

    const dir = mkdtempSync(join(tmpdir(), 'orgvend-ecr-vpc-'));
    const files = a.templates.map((t) => {
      const file = join(dir, t.output);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, t.text);
      return file;
    });
    expect(files.length).toBeGreaterThan(2);
    expect(await cfnLint(files)).toEqual([]);
  }, 120_000);
});
