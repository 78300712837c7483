/**
 * The team's own templates (account customizations) end to end on moto: a template under
 * templates/account/ that an account selects in accounts.yml is planned as a stack.deploy of
 * orgvend-<template> with its resources, deployed with --execute through DEPLOY_STACK (change
 * set, the deployer role), and the next plan is empty; when no account selects it any
 * more, its stacks are deleted (the stacks are orgvend's by their tags).
 *
 * The example's baseline role (AWS::IAM::Role) is what is deployed here: moto's
 * CloudFormation cannot create an AWS::Budgets::Budget, which the budget template makes, so
 * that one is checked offline (test/unit/render/customizations.test.ts, the goldens) only.
 */
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dslText } from '../helpers/dsl.js';
import { isMutating } from '../helpers/mutating.js';
import { ciOrganization, managedIds, type CiCli, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;
let workspace: CiCli['workspace'];
let cli: CiCli['cli'];

// bootstrap gives each account's deployer role what these types need, and the boundary for roles.
const ALLOWED = { allowed_resource_types: ['AWS::IAM::Role', 'AWS::SNS::Topic'] };
const BASE = dslText([[['organization', 'customizations'], ALLOWED]]);
const SELECTED = dslText([
  [['organization', 'customizations'], ALLOWED],
  [['scopes', 'dev', 'customizations'], { 'baseline-role': { role_name: 'audit-readonly' } }],
]);

beforeAll(async () => {
  ({ org, workspace, cli } = await ciOrganization(BASE));
  // The accounts first, each bootstrapped (with the customization boundary) by the management handler.
  const { code, out } = await cli('--action', 'sync-accounts', '--execute');
  expect(out).toContain('Converged');
  expect(code).toBe(0);
});

afterAll(() => org.close());

describe("the team's templates", () => {
  it('plans orgvend-<template> in the accounts that select it, with its resources, and changes nothing without --execute', async () => {
    workspace.write(SELECTED);
    const { code, out, err, calls } = await cli('--action', 'sync-accounts', '--detailed-exitcode');
    // The example's budget template (copied in with templates/) is selected by no account here: validate's warning, of no concern to a plan.
    expect(err).toBe('');
    expect((await cli('--action', 'validate')).err).toContain('warning[unused-customization] templates/account/budget.yml.njk:1:1: no account selects templates/account/budget.yml.njk');
    expect(out).toMatch(/~ stack\.deploy +foo\/orgvend-baseline-role \(\d{12}\) +create with template \w{12} in us-east-1: 1 to add, 0 to change, 0 to remove/);
    expect(out).toContain('+AuditRole AWS::IAM::Role');
    // dns is in the infra scope, which selects nothing.
    expect(out).not.toMatch(/dns\/orgvend-baseline-role/);
    expect(out).toContain('Plan: 1 change: 1 stack.deploy.');
    expect(calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(code).toBe(2);
  });

  it('deploys it with --execute, and the next plan is empty', async () => {
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Applied 1 of 1 change');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    const foo = (await managedIds(org)).foo!;
    // The stack in foo's region holds the role (the repository has no IAM client to read its path and boundary; the template sets both, validate checks it).
    const cfn = await org.factory.forAccount(foo).client('cloudformation', 'us-east-1');
    const { StackResourceSummaries: made = [] } = await cfn.send(new ListStackResourcesCommand({ StackName: 'orgvend-baseline-role' }));
    expect(made.map((r) => [r.LogicalResourceId, r.ResourceType, r.PhysicalResourceId, r.ResourceStatus])).toEqual([['AuditRole', 'AWS::IAM::Role', 'audit-readonly', 'CREATE_COMPLETE']]);
    expect((await cli('--action', 'sync-accounts')).out).toContain('No changes.');
  });

  it('plans the change when a layered parameter changes, at the account that overrides the scope', async () => {
    workspace.write(SELECTED.replace('  foo:\n    scope: dev\n', '  foo:\n    scope: dev\n    customizations:\n      baseline-role:\n        role_name: auditor\n'));
    const { out } = await cli('--action', 'sync-accounts');
    expect(out).toMatch(/~ stack\.deploy +foo\/orgvend-baseline-role \(\d{12}\) +template \w{12} → \w{12} in us-east-1: 0 to add, 1 to change, 0 to remove/);
    expect(out).toContain('~AuditRole AWS::IAM::Role');
    workspace.write(SELECTED);
  });

  it('deploys a top-level template to the account its header names, in the region it names', async () => {
    workspace.file('templates/shared-alerts.yml.njk', '{#- orgvend: account=dns region=home -#}\nResources:\n  Alerts:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {{ organization.event_bus ~ "-alerts" }}\n');
    const planned = await cli('--action', 'sync-accounts');
    expect(planned.out).toMatch(/~ stack\.deploy +dns\/orgvend-shared-alerts \(\d{12}\) +create with template \w{12} in ap-southeast-2: 1 to add, 0 to change, 0 to remove/);
    expect(planned.out).toContain('Plan: 1 change: 1 stack.deploy.');
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect((await cli('--action', 'sync-accounts')).out).toContain('No changes.');
  });

  it('deletes the stack of a customization an account no longer selects, and of a template that is gone', async () => {
    // foo switches the scope's baseline role off; the header template is removed.
    workspace.write(SELECTED.replace('  foo:\n    scope: dev\n', '  foo:\n    scope: dev\n    customizations:\n      baseline-role: null\n'));
    workspace.file('templates/shared-alerts.yml.njk');
    const planned = await cli('--action', 'sync-accounts');
    expect(planned.out).toMatch(/- stack\.delete +foo\/us-east-1\/orgvend-baseline-role/);
    expect(planned.out).toMatch(/- stack\.delete +dns\/ap-southeast-2\/orgvend-shared-alerts/);
    expect(planned.out).toContain('Plan: 2 changes: 2 stack.delete.');
    const { code, out } = await cli('--action', 'sync-accounts', '--execute');
    expect(out).toContain('Converged');
    expect(code).toBe(0);
    expect((await cli('--action', 'sync-accounts')).out).toContain('No changes.');
  });
});
