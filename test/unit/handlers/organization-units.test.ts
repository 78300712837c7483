/**
 * CREATE_OU when two runs race, or an answer is lost. moto makes a second OU of the same
 * name where AWS refuses it, so Organizations is mocked (aws-sdk-client-mock) with AWS's
 * rule switched off, as a race AWS loses would leave it.
 */
import {
  CreateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UncertainOutcome } from '../../../src/aws/middleware.js';
import { createOu } from '../../../src/handlers/organization-units.js';
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
