/** The team's own templates (account customizations): selection, layered parameters, and what validate refuses, with lines. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { templateContext } from '../../../src/render/context.js';
import { renderTemplates } from '../../../src/render/render.js';
import { isDeployedStack } from '../../../src/protocol/names.js';
import { deploymentsOf } from '../../../src/plan/stacks.js';
import { REQUESTS } from '../../../src/protocol/requests.js';
import { desiredOf, dslText, errorsOf, parse } from '../../helpers/dsl.js';
import { captureIo } from '../../helpers/io.js';
import { scratchRepo } from '../../helpers/repo.js';

type Changes = NonNullable<Parameters<typeof dslText>[0]>;

const ALLOWED: [string[], unknown] = [['organization', 'customizations'], { allowed_resource_types: ['AWS::SNS::Topic', 'AWS::IAM::Role'] }];

const TOPIC = [
  'Resources:',
  '  Alerts:',
  '    Type: AWS::SNS::Topic',
  '    Properties:',
  '      TopicName: {{ customization.topic ~ "-" ~ account.name }}',
  '      DisplayName: {{ customization.display }}',
  '',
].join('\n');

/** The DSL with `changes`, and what renders of `files` for it. */
async function rendered(changes: Changes, files: Record<string, string>) {
  const desired = desiredOf([ALLOWED, ...changes]);
  return renderTemplates(scratchRepo(files), templateContext(desired, new Map()));
}

/** `validate` on a repository of accounts.yml (the minimal DSL with `changes`) and `files`: exit code and what it printed. */
async function validate(changes: Changes, files: Record<string, string>) {
  const dir = scratchRepo({ 'accounts.yml': dslText([ALLOWED, ...changes]), ...files });
  const io = captureIo({ cwd: dir });
  const code = await runCli(['--action', 'validate'], io);
  return { code, out: io.out(), err: io.err() };
}

describe("the team's templates", () => {
  it('are selected by a map of template name to parameters, each a line of text, a number, a boolean or a list of them: anything else at its line', () => {
    const errors = (value: unknown) => errorsOf(parse([[['accounts', 'foo', 'customizations'], value]])).map((d) => `${d.path} ${d.message}${d.expected ? ` (expected ${d.expected})` : ""}`);
    expect(errors(['budget'])).toEqual([expect.stringMatching(/^accounts\.foo\.customizations .*a map of template name to its parameters/)]);
    expect(errors({ budget: { limit: { usd: 1 } } })).toEqual([expect.stringMatching(/^accounts\.foo\.customizations\.budget\.limit .*a parameter value: one line of text, a number, true or false, or a list of them/)]);
    expect(errors({ Budget: {} })).toEqual([expect.stringMatching(/^accounts\.foo\.customizations\.Budget /)]);
    expect(errors({ budget: { 'Monthly-Limit': 1 } })).toEqual([expect.stringMatching(/^accounts\.foo\.customizations\.budget\.Monthly-Limit .*a parameter name of 1–64 lowercase letters, digits and _/)]);
    expect(errors({ budget: { note: 'two\nlines' } })).toEqual([expect.stringMatching(/^accounts\.foo\.customizations\.budget\.note /)]);
    expect(errors({ budget: null, alerts: { topic: 't', tags: ['a', 1, true] } })).toEqual([]);
  });

  it('render for the accounts whose layered customizations select them, with the parameters as layered, and for no other', async () => {
    const { templates, diagnostics } = await rendered(
      [
        [['defaults', 'customizations'], { alerts: { topic: 'alerts', display: 'from defaults' } }],
        [['scopes', 'dev', 'customizations'], { alerts: { display: 'from dev' } }],
        // dns (infra) switches it off.
        [['accounts', 'dns', 'customizations'], { alerts: null }],
      ],
      { 'templates/account/alerts.yml.njk': TOPIC },
    );
    expect(diagnostics).toEqual([]);
    expect(templates.map((t) => [t.output, t.account])).toEqual([['alerts/foo.yml', 'foo']]);
    expect(templates[0]!.text).toContain('TopicName: "alerts-foo"\n      DisplayName: "from dev"');
  });

  it('name a parameter no layer sets at its line in the template', async () => {
    const { diagnostics } = await rendered([[['accounts', 'foo', 'customizations'], { alerts: { topic: 't' } }]], { 'templates/account/alerts.yml.njk': TOPIC });
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`)).toEqual(['templates/account/alerts.yml.njk:6:37 cannot render the template: customization.display is undefined']);
  });

  it('are refused at the resource that makes a type outside organization.customizations.allowed_resource_types', async () => {
    const { code, err } = await validate([[['accounts', 'foo', 'customizations'], { queue: {} }]], {
      'templates/account/queue.yml.njk': 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n',
    });
    expect(err).toContain('error[resource-type-not-allowed] templates/account/queue.yml.njk:3:5: Queue is of type AWS::SQS::Queue, which organization.customizations.allowed_resource_types does not allow (AWS::SNS::Topic, AWS::IAM::Role)');
    expect(code).toBe(65);
  });

  it('are refused whatever shape hides a resource: flow style, a Type indented deeper, JSON', async () => {
    for (const text of [
      'Resources:\n  Ok:\n    Type: AWS::SNS::Topic\n  Queue: { Type: AWS::SQS::Queue }\n',
      'Resources:\n  Ok:\n    Type: AWS::SNS::Topic\n  Queue:\n      Type: AWS::SQS::Queue\n',
      '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}\n',
    ]) {
      const { code, err } = await validate([[['accounts', 'foo', 'customizations'], { queue: {} }]], { 'templates/account/queue.yml.njk': text });
      expect(err, text).toContain('Queue is of type AWS::SQS::Queue, which organization.customizations.allowed_resource_types does not allow');
      expect(code, text).toBe(65);
    }
  });

  it("are refused when a role they make lacks orgvend's boundary or path", async () => {
    const role = (properties: string) => `Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n${properties}      AssumeRolePolicyDocument: {}\n`;
    const boundary = '      PermissionsBoundary: !Sub "arn:${AWS::Partition}:iam::aws:policy/SecurityAudit"\n';
    const select: Changes = [[['accounts', 'foo', 'customizations'], { role: {} }]];
    const bare = await validate(select, { 'templates/account/role.yml.njk': role('') });
    expect(bare.err).toContain("error[role-without-boundary] templates/account/role.yml.njk:3:5: Role makes a role without orgvend's permissions boundary");
    expect(bare.err).toContain('error[role-without-boundary] templates/account/role.yml.njk:3:5: Role makes a role outside /orgvend-customization/');
    expect(bare.code).toBe(65);
    // A policy of the account's own that takes the boundary's name is not the boundary.
    const ownPolicy = await validate(select, { 'templates/account/role.yml.njk': role('      PermissionsBoundary: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/SecurityAudit"\n      Path: {{ names.customizationRolePath }}\n') });
    expect(ownPolicy.err).toContain("templates/account/role.yml.njk:5:7: Role makes a role without orgvend's permissions boundary (SecurityAudit)");
    expect(ownPolicy.code).toBe(65);
    const otherPath = await validate(select, { 'templates/account/role.yml.njk': role(`${boundary}      Path: /admin/\n`) });
    expect(otherPath.err).toContain('templates/account/role.yml.njk:6:7: Role makes a role outside /orgvend-customization/');
    expect(otherPath.err).not.toContain("without orgvend's permissions boundary");
    const good = await validate(select, { 'templates/account/role.yml.njk': role(`${boundary}      Path: {{ names.customizationRolePath }}\n`) });
    expect(good.err).toBe('');
    expect(good.code).toBe(0);
  });

  it('are refused when a role they make trusts a principal outside the organization', async () => {
    const select: Changes = [[['accounts', 'foo', 'customizations'], { role: {} }]];
    const trusting = (principal: string) =>
      `Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Path: {{ names.customizationRolePath }}\n      PermissionsBoundary: !Sub {{ names.customizationBoundaryArn }}\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: ${principal}\n            Action: sts:AssumeRole\n`;
    for (const principal of ['{ AWS: "arn:aws:iam::999999999999:root" }', '{ AWS: "999999999999" }', '"*"', '{ AWS: "*" }', '{ Federated: "cognito-identity.amazonaws.com" }']) {
      const { code, err } = await validate(select, { 'templates/account/role.yml.njk': trusting(principal) });
      expect(err, principal).toMatch(/error\[role-trusts-outsider\] templates\/account\/role\.yml\.njk:7:7: Role makes a role that trusts /);
      expect(code, principal).toBe(65);
    }
    // The organization's accounts, the account itself, and AWS services.
    for (const principal of ['{ AWS: {{ "arn:aws:iam::" ~ organization.audit_account_id ~ ":root" }} }', '{ AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }', '{ Service: lambda.amazonaws.com }']) {
      const { code, err } = await validate(select, { 'templates/account/role.yml.njk': trusting(principal) });
      expect(err, principal).toBe('');
      expect(code, principal).toBe(0);
    }
  });

  it('name a customization that names no template at its key in accounts.yml, with a suggestion, and warn of a template no account selects', async () => {
    const { code, err } = await validate([[['scopes', 'dev', 'customizations'], { alert: { topic: 't', display: 'd' } }]], { 'templates/account/alerts.yml.njk': TOPIC });
    expect(err).toMatch(/error\[unknown-customization\] accounts\.yml:\d+:\d+: scopes\.dev\.customizations\.alert: customization alert names no template: there is no templates\/account\/alert\.yml\.njk/);
    expect(err).toContain('did you mean "alerts"?');
    expect(err).toContain('warning[unused-customization] templates/account/alerts.yml.njk:1:1: no account selects templates/account/alerts.yml.njk');
    expect(code).toBe(65);
  });

  it('refuse a type orgvend has no grant for at its place in the list, and a template named like one of orgvend\'s stacks', async () => {
    const unknown = await validate([[['organization', 'customizations'], { allowed_resource_types: ['AWS::SNS::Topic', 'AWS::Lambda::Function'] }]], {});
    expect(unknown.err).toMatch(/error\[unknown-resource-type\] accounts\.yml:\d+:\d+: organization\.customizations\.allowed_resource_types\[1\]: orgvend does not know what the deployer role needs to create resources of type AWS::Lambda::Function/);
    expect(unknown.code).toBe(65);
    const reserved = await validate([], { 'templates/account/bootstrap.yml.njk': 'Resources: {}\n' });
    expect(reserved.err).toContain('error[template-name] templates/account/bootstrap.yml.njk:1:1: bootstrap cannot be the name of a template deployed as orgvend-bootstrap');
    expect(reserved.code).toBe(65);
  });

  it('at the top of templates/, go to the account (and region) their header names, once', async () => {
    const desired = desiredOf([ALLOWED]);
    const context = templateContext(desired, new Map([['dns', '500000000002'], ['foo', '500000000001']]));
    const files = {
      'templates/shared-alerts.yml.njk': `{#- orgvend: account=dns region=home -#}\n${TOPIC.replace(/customization\.\w+/g, '"shared"').replace(' ~ "-" ~ account.name', '')}`,
      'templates/foo-alerts.yml.njk': `{#- orgvend: account=foo -#}\n${TOPIC.replace(/customization\.\w+/g, '"foo"').replace(' ~ "-" ~ account.name', '')}`,
      'templates/dashboards.yml.njk': 'Resources: {}\n',
    };
    const { templates, diagnostics } = await renderTemplates(scratchRepo(files), context);
    expect(diagnostics).toEqual([]);
    const { deployments, notes } = deploymentsOf(templates, context);
    expect(deployments.map((d) => [d.account, d.stack, d.region])).toEqual([
      ['foo', 'orgvend-foo-alerts', 'us-east-1'],
      ['dns', 'orgvend-shared-alerts', 'ap-southeast-2'],
    ]);
    // Without a header, a top-level template is rendered and checked, not deployed.
    expect(notes).toEqual([expect.stringMatching(/^templates\/dashboards\.yml\.njk is rendered, not deployed/)]);
    const wrong = await renderTemplates(scratchRepo({ 'templates/x.yml.njk': '{#- orgvend: account=dsn -#}\nResources: {}\n' }), context);
    expect(wrong.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message} (${d.hint})`)).toEqual([
      'templates/x.yml.njk:1:1 the orgvend header names account dsn, which accounts.yml does not have (or not as an active account) (did you mean "dns"?)',
    ]);
  });

  it('are deployed as orgvend-<template>, a name DEPLOY_STACK takes; orgvend-bootstrap it refuses', () => {
    expect(isDeployedStack('orgvend-alerts')).toBe(true);
    for (const name of ['orgvend-bootstrap', 'orgvend-', 'orgvend-Alerts', 'someone-elses']) expect(isDeployedStack(name), name).toBe(false);
    const payload = (stack: string) => REQUESTS.DEPLOY_STACK.payload.safeParse({ name: 'foo', stack, region: 'us-east-1', template: 'Resources: {}\n' });
    expect(payload('orgvend-alerts').success).toBe(true);
    expect(payload('orgvend-bootstrap').success).toBe(false);
  });
});
