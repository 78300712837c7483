/**
 * sync-security's security-service handlers. GuardDuty's organization configuration is
 * mocked (aws-sdk-client-mock) because moto 5.2.1 lacks it: it has no
 * guardduty:DescribeOrganizationConfiguration nor guardduty:UpdateOrganizationConfiguration
 * (404). Security Hub's central configuration, a duplicate delivery and ENABLE_SERVICE_ADMIN's
 * refusals are races or states moto cannot stage, so they are mocked too; every unmocked
 * call is rejected. What moto has is proven on it: test/integration/sync-security-services.test.ts.
 */
import { ListTagsForResourceCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateDetectorCommand,
  DescribeOrganizationConfigurationCommand as DescribeGuardDutyOrganization,
  EnableOrganizationAdminAccountCommand as EnableGuardDutyAdmin,
  GuardDutyClient,
  ListDetectorsCommand,
  ListOrganizationAdminAccountsCommand as ListGuardDutyAdmins,
  UpdateOrganizationConfigurationCommand as UpdateGuardDutyOrganization,
} from '@aws-sdk/client-guardduty';
import {
  DescribeHubCommand,
  DescribeOrganizationConfigurationCommand as DescribeSecurityHubOrganization,
  EnableSecurityHubCommand,
  SecurityHubClient,
  UpdateOrganizationConfigurationCommand as UpdateSecurityHubOrganization,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enableServiceAdmin, getGuardDuty, putGuardDuty, putSecurityHub } from '../../../src/handlers/security-services.js';
import { REQUESTS, permissionsFor, servedTypes } from '../../../src/protocol/requests.js';
import { handlerContext } from '../../helpers/handler-context.js';

const ADMIN = '444444444444';
const MANAGEMENT = '111111111111';
let guardduty: ReturnType<typeof mockClient>;
let securityhub: ReturnType<typeof mockClient>;
let organizations: ReturnType<typeof mockClient>;
const inAdmin = (dryrun = false, emulator = false) => handlerContext({ accountId: ADMIN, roles: ['member', 'guardduty-admin', 'securityhub-admin'] }, { dryrun }, { emulator });
const inManagement = (dryrun = false, securityAdmins?: Record<string, string>, securityAdminIds?: Record<string, string>) =>
  handlerContext(
    {
      accountId: MANAGEMENT,
      roles: ['management'],
      ...(securityAdmins ? { bootstrap: { organization: { security_admins: securityAdmins, ...(securityAdminIds ? { security_admin_ids: securityAdminIds } : {}) } as never, templatesDir: '.' } } : {}),
    },
    { dryrun },
  );
const named = (name: string, message = name, status?: number) => Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
const MANAGED = { Tags: [{ Key: 'managed-by', Value: 'orgvend' }, { Key: 'orgvend:name', Value: 'security' }] };

beforeEach(() => {
  guardduty = mockClient(GuardDutyClient);
  guardduty.onAnyCommand().rejects(new Error('unmocked call'));
  securityhub = mockClient(SecurityHubClient);
  securityhub.onAnyCommand().rejects(new Error('unmocked call'));
  organizations = mockClient(OrganizationsClient);
  organizations.onAnyCommand().rejects(new Error('unmocked call'));
});
// Files share a worker's modules (isolate: false): a stub left behind would answer other files' calls.
afterEach(() => {
  guardduty.restore();
  securityhub.restore();
  organizations.restore();
});

describe('GuardDuty in its delegated administrator (mocked: moto lacks DescribeOrganizationConfiguration and UpdateOrganizationConfiguration)', () => {
  it('reads the detector and the organization’s auto-enable', async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d-1'] });
    guardduty.on(DescribeGuardDutyOrganization, { DetectorId: 'd-1' }).resolves({ AutoEnableOrganizationMembers: 'NEW' });
    expect(await getGuardDuty({}, inAdmin())).toEqual({ guardduty: { detector_id: 'd-1', auto_enable: 'NEW' } });
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    expect(await getGuardDuty({}, inAdmin())).toEqual({ guardduty: { detector_id: null, auto_enable: null } });
  });

  it('makes the detector when there is none, then sets auto-enable; the same request again changes nothing', async () => {
    guardduty.on(ListDetectorsCommand).resolvesOnce({ DetectorIds: [] }).resolves({ DetectorIds: ['d-2'] });
    guardduty.on(CreateDetectorCommand).resolves({ DetectorId: 'd-2' });
    guardduty.on(UpdateGuardDutyOrganization).resolves({});
    guardduty.on(DescribeGuardDutyOrganization).resolves({ AutoEnableOrganizationMembers: 'ALL' });
    expect(await putGuardDuty({ auto_enable: 'ALL' }, inAdmin())).toEqual({ detector: 'created', outcome: 'updated' });
    expect(guardduty.commandCalls(CreateDetectorCommand)[0]!.args[0].input).toMatchObject({ Enable: true, Tags: { 'managed-by': 'orgvend' } });
    expect(guardduty.commandCalls(UpdateGuardDutyOrganization)[0]!.args[0].input).toEqual({ DetectorId: 'd-2', AutoEnableOrganizationMembers: 'ALL' });
    expect(await putGuardDuty({ auto_enable: 'ALL' }, inAdmin())).toEqual({ detector: 'exists', outcome: 'unchanged' });
    expect(guardduty.commandCalls(CreateDetectorCommand)).toHaveLength(1);
    expect(guardduty.commandCalls(UpdateGuardDutyOrganization)).toHaveLength(1);
  });

  it('changes nothing in a dry run', async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d-1'] });
    guardduty.on(DescribeGuardDutyOrganization).resolves({ AutoEnable: true });
    expect(await putGuardDuty({ auto_enable: 'ALL' }, inAdmin(true))).toEqual({ detector: 'exists', outcome: 'would-update' });
    expect(guardduty.commandCalls(UpdateGuardDutyOrganization)).toHaveLength(0);
  });

  it('says in one line that the local emulator lacks the API, not as an SDK error', async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d-1'] });
    guardduty.on(DescribeGuardDutyOrganization).rejects(named('UnknownError', '<!doctype html>', 404));
    await expect(getGuardDuty({}, inAdmin(false, true))).rejects.toMatchObject({
      code: 'unsupported',
      message: "GuardDuty's organization configuration is not supported by the local emulator: moto has no guardduty:DescribeOrganizationConfiguration",
    });
    // Against AWS a 404 is AWS's answer, and stays an error of its own.
    await expect(getGuardDuty({}, inAdmin())).rejects.toMatchObject({ name: 'UnknownError' });
  });
});

describe('Security Hub in its delegated administrator', () => {
  it('refuses to set auto-enable under central configuration, changing nothing', async () => {
    securityhub.on(DescribeHubCommand).resolves({ HubArn: 'arn' });
    securityhub.on(DescribeSecurityHubOrganization).resolves({ AutoEnable: false, AutoEnableStandards: 'NONE', OrganizationConfiguration: { ConfigurationType: 'CENTRAL' } });
    await expect(putSecurityHub({ auto_enable: true, auto_enable_standards: 'DEFAULT' }, inAdmin())).rejects.toMatchObject({ code: 'rejected', message: expect.stringContaining('central configuration') });
    expect(securityhub.commandCalls(UpdateSecurityHubOrganization)).toHaveLength(0);
  });

  it('enables the hub once: one enabled meanwhile by a duplicate delivery is not a failure', async () => {
    securityhub.on(DescribeHubCommand).rejectsOnce(named('InvalidAccessException', 'Account is not subscribed to AWS Security Hub')).resolves({ HubArn: 'arn' });
    securityhub.on(EnableSecurityHubCommand).rejects(named('ResourceConflictException'));
    securityhub.on(DescribeSecurityHubOrganization).resolves({ AutoEnable: false, AutoEnableStandards: 'DEFAULT', OrganizationConfiguration: { ConfigurationType: 'LOCAL' } });
    securityhub.on(UpdateSecurityHubOrganization).resolves({});
    expect(await putSecurityHub({ auto_enable: true, auto_enable_standards: 'DEFAULT' }, inAdmin())).toEqual({ hub: 'enabled', outcome: 'updated' });
    expect(securityhub.commandCalls(UpdateSecurityHubOrganization)[0]!.args[0].input).toEqual({ AutoEnable: true, AutoEnableStandards: 'DEFAULT' });
  });
});

describe('GuardDuty’s and Security Hub’s own administrator, from the management account', () => {
  it('designates an account orgvend manages once; one designated already is left alone', async () => {
    organizations.on(ListTagsForResourceCommand).resolves(MANAGED);
    guardduty.on(ListGuardDutyAdmins).resolvesOnce({ AdminAccounts: [] }).resolves({ AdminAccounts: [{ AdminAccountId: ADMIN, AdminStatus: 'ENABLED' }] });
    guardduty.on(EnableGuardDutyAdmin).resolves({});
    expect(await enableServiceAdmin({ service: 'guardduty', account_id: ADMIN }, inManagement(false, { guardduty: 'security' }))).toEqual({ outcome: 'enabled' });
    expect(await enableServiceAdmin({ service: 'guardduty', account_id: ADMIN }, inManagement())).toEqual({ outcome: 'already-admin' });
    expect(guardduty.commandCalls(EnableGuardDutyAdmin)).toHaveLength(1);
  });

  it('refuses the management account, an account orgvend does not manage, and one that is not the account accounts.yml names, before changing anything', async () => {
    await expect(enableServiceAdmin({ service: 'guardduty', account_id: MANAGEMENT }, inManagement())).rejects.toMatchObject({ code: 'rejected', message: expect.stringContaining('management account') });
    organizations.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    await expect(enableServiceAdmin({ service: 'securityhub', account_id: ADMIN }, inManagement())).rejects.toMatchObject({ code: 'rejected', message: expect.stringContaining('not tagged as managed by orgvend') });
    organizations.on(ListTagsForResourceCommand).resolves(MANAGED);
    await expect(enableServiceAdmin({ service: 'guardduty', account_id: ADMIN }, inManagement(false, { guardduty: 'audit' }))).rejects.toMatchObject({
      code: 'rejected',
      message: `account ${ADMIN} (security) is not audit, the account organization.delegated_administrators.guardduty names`,
    });
    expect(guardduty.commandCalls(EnableGuardDutyAdmin)).toHaveLength(0);
  });

  it('designates a core account (the audit account, untagged) by the id its entry pins, and no other account in its stead', async () => {
    const AUDIT = '333333333333';
    organizations.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    guardduty.on(ListGuardDutyAdmins).resolves({ AdminAccounts: [] });
    guardduty.on(EnableGuardDutyAdmin).resolves({});
    const pinned = inManagement(false, { guardduty: 'audit' }, { guardduty: AUDIT });
    await expect(enableServiceAdmin({ service: 'guardduty', account_id: ADMIN }, pinned)).rejects.toMatchObject({
      code: 'rejected',
      message: `account ${ADMIN} is not ${AUDIT}, the account organization.delegated_administrators.guardduty names`,
    });
    expect(guardduty.commandCalls(EnableGuardDutyAdmin)).toHaveLength(0);
    expect(await enableServiceAdmin({ service: 'guardduty', account_id: AUDIT }, pinned)).toEqual({ outcome: 'enabled' });
    expect(guardduty.commandCalls(EnableGuardDutyAdmin)[0]!.args[0].input).toEqual({ AdminAccountId: AUDIT });
  });
});

describe('where the security services’ requests are served', () => {
  it('only in the account whose bootstrap gave it the service’s role, and their permissions only there', () => {
    const member = servedTypes(['member'], true);
    const management = servedTypes(['management'], true);
    for (const type of ['GET_GUARDDUTY', 'PUT_GUARDDUTY', 'GET_SECURITYHUB', 'PUT_SECURITYHUB', 'GET_CONFIG_AGGREGATOR', 'PUT_CONFIG_AGGREGATOR'] as const) {
      expect(REQUESTS[type].route).toBe('target');
      expect(member).not.toContain(type);
      expect(management).not.toContain(type);
    }
    expect(servedTypes(['member', 'guardduty-admin'], true)).toEqual(expect.arrayContaining(['GET_GUARDDUTY', 'PUT_GUARDDUTY']));
    expect(servedTypes(['member', 'guardduty-admin'], true)).not.toContain('PUT_SECURITYHUB');
    const actions = (types: ReturnType<typeof servedTypes>) => permissionsFor(types, 'o-abc123def4').flatMap((g) => g.actions);
    // A member puts its own Config recorder (PUT_CONFIG_RECORDER), and nothing of the organization's services.
    const recorder = permissionsFor(['PUT_CONFIG_RECORDER'], 'o-abc123def4').flatMap((g) => g.actions);
    expect(actions(member).filter((a) => /^(guardduty|securityhub|config):/.test(a) && !recorder.includes(a))).toEqual([]);
    expect(recorder.filter((a) => /Aggregat|Organization/.test(a))).toEqual([]);
    expect(actions(management).filter((a) => /^(config):|UpdateOrganizationConfiguration|CreateDetector/.test(a))).toEqual([]);
    expect(actions(servedTypes(['member', 'config-admin'], true))).toEqual(expect.arrayContaining(['config:PutConfigurationAggregator', 'iam:PassRole']));
    // The aggregator's role is passed to Config alone, and it is orgvend's.
    const pass = permissionsFor(['PUT_CONFIG_AGGREGATOR'], 'o-abc123def4').find((g) => g.actions.includes('iam:PassRole'))!;
    expect(pass).toEqual({ actions: ['iam:PassRole'], resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orgvend-config-aggregator'], condition: { StringEquals: { 'iam:PassedToService': 'config.amazonaws.com' } } });
  });
});
