/**
 * CREATE_OU when two runs race, or an answer is lost. moto makes a second OU of the same
 * name where AWS refuses it, so Organizations is mocked (aws-sdk-client-mock) with AWS's
 * rule switched off, as a race AWS loses would leave it. Then the OU paths a handler
 * remembers for the accounts it puts in them (mocked too, to count each call).
 */
import {
  CreateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UncertainOutcome } from '../../../src/aws/middleware.js';
import { createOu, moveTo } from '../../../src/handlers/organization-units.js';
import { settle } from '../../helpers/fake-time.js';
import { handlerContext } from '../../helpers/handler-context.js';

let organizations: ReturnType<typeof mockClient>;
/** The children of the root, as Organizations lists them. */
let children: { Id: string; Name: string }[];

const context = () => handlerContext({ accountId: '111111111111', roles: ['management'] });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  children = [];
  organizations = mockClient(OrganizationsClient);
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand).callsFake(() => ({ OrganizationalUnits: [...children] }));
  organizations.on(DeleteOrganizationalUnitCommand).callsFake(({ OrganizationalUnitId }: { OrganizationalUnitId: string }) => {
    children = children.filter((c) => c.Id !== OrganizationalUnitId);
    return {};
  });
});

afterEach(() => {
  organizations.restore();
  vi.useRealTimers();
});

describe('CREATE_OU', () => {
  it('leaves one OU when another run made the same one at the same time: the later id deletes its own', async () => {
    organizations.on(CreateOrganizationalUnitCommand).callsFake(() => {
      // The other run's OU lands at the same moment, with the earlier id.
      children.push({ Id: 'ou-aaaa-00000001', Name: 'Internal' }, { Id: 'ou-zzzz-00000002', Name: 'Internal' });
      return { OrganizationalUnit: { Id: 'ou-zzzz-00000002', Name: 'Internal' } };
    });
    expect(await createOu({ path: 'Internal' }, context())).toEqual({ path: 'Internal', id: 'ou-aaaa-00000001', outcome: 'created' });
    expect(children).toEqual([{ Id: 'ou-aaaa-00000001', Name: 'Internal' }]);
  });

  it('finds the OU a lost answer made instead of making a second', async () => {
    organizations.on(CreateOrganizationalUnitCommand).callsFake(() => {
      children.push({ Id: 'ou-aaaa-00000001', Name: 'Internal' });
      throw new UncertainOutcome('CreateOrganizationalUnit', 'socket hang up');
    });
    expect(await settle(createOu({ path: 'Internal' }, context()), 500, 20)).toMatchObject({ id: 'ou-aaaa-00000001', outcome: 'created' });
    expect(organizations.commandCalls(CreateOrganizationalUnitCommand)).toHaveLength(1);
  });

  it('refuses to use a path that exists twice, naming both', async () => {
    children = [
      { Id: 'ou-aaaa-00000001', Name: 'Internal' },
      { Id: 'ou-bbbb-00000002', Name: 'Internal' },
    ];
    await expect(createOu({ path: 'Internal' }, context())).rejects.toThrow('OU Internal exists 2 times (ou-aaaa-00000001, ou-bbbb-00000002)');
    expect(organizations.commandCalls(CreateOrganizationalUnitCommand)).toHaveLength(0);
  });
});

describe('moving accounts: each OU path resolved once per process', () => {
  /** A two-level tree, Workloads/Prod, whose Prod the test may replace. */
  let prodId: string;
  const moves: { AccountId: string; DestinationParentId: string }[] = [];

  beforeEach(() => {
    prodId = 'ou-prod-00000001';
    moves.length = 0;
    organizations.on(ListOrganizationalUnitsForParentCommand).callsFake(({ ParentId }: { ParentId: string }) => ({
      OrganizationalUnits: ParentId === 'r-root' ? [{ Id: 'ou-work-00000001', Name: 'Workloads' }] : ParentId === 'ou-work-00000001' ? [{ Id: prodId, Name: 'Prod' }] : [],
    }));
    organizations.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
    organizations.on(MoveAccountCommand).callsFake((input: { AccountId: string; DestinationParentId: string }) => {
      if (input.DestinationParentId !== prodId) throw Object.assign(new Error('You specified parent that doesn\'t exist.'), { name: 'ParentNotFoundException' });
      moves.push(input);
      return {};
    });
  });

  it('walks the tree for the first account only: one ListRoots, one listing per level, one ListParents and move per account', async () => {
    const ctx = context();
    const client = await ctx.clients.client('organizations');
    for (const account of ['500000000001', '500000000002', '500000000003']) {
      expect(await moveTo(client, account, 'Workloads/Prod', false)).toEqual({ from: 'r-root', to: prodId, outcome: 'moved' });
    }
    expect(organizations.commandCalls(ListRootsCommand)).toHaveLength(1);
    expect(organizations.commandCalls(ListOrganizationalUnitsForParentCommand).map((c) => c.args[0].input.ParentId)).toEqual(['r-root', 'ou-work-00000001']);
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(3);
    expect(moves.map((m) => m.AccountId)).toEqual(['500000000001', '500000000002', '500000000003']);
  });

  it('looks again when the remembered OU was deleted and made again, and moves the account into the new one', async () => {
    const ctx = context();
    const client = await ctx.clients.client('organizations');
    await moveTo(client, '500000000001', 'Workloads/Prod', false);
    prodId = 'ou-prod-00000002';
    expect(await moveTo(client, '500000000002', 'Workloads/Prod', false)).toEqual({ from: 'r-root', to: 'ou-prod-00000002', outcome: 'moved' });
    expect(organizations.commandCalls(MoveAccountCommand).map((c) => c.args[0].input.DestinationParentId)).toEqual(['ou-prod-00000001', 'ou-prod-00000001', 'ou-prod-00000002']);
  });

  it('forgets an OU after ten minutes, and another handler process (another client) has its own memory', async () => {
    const client = await context().clients.client('organizations');
    await moveTo(client, '500000000001', 'Workloads/Prod', false);
    vi.advanceTimersByTime(10 * 60_000 + 1);
    await moveTo(client, '500000000002', 'Workloads/Prod', false);
    await moveTo(await context().clients.client('organizations'), '500000000003', 'Workloads/Prod', false);
    // The root is remembered for as long as the client lives: an organization's root never changes.
    expect(organizations.commandCalls(ListRootsCommand)).toHaveLength(2);
    expect(organizations.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(6);
  });

  it('does not remember an OU that was not there: it is looked for again, and found once made', async () => {
    const client = await context().clients.client('organizations');
    await expect(moveTo(client, '500000000001', 'Workloads/Staging', false)).rejects.toThrow('OU Workloads/Staging does not exist');
    await expect(moveTo(client, '500000000001', 'Workloads/Staging', false)).rejects.toThrow('OU Workloads/Staging does not exist');
    expect(organizations.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(4);
  });
});
