/**
 * Build the local organization the sandbox and the integration tests run against: the
 * management account from accounts.yml creates the organization; the CICD, audit and
 * delegated-administrator accounts are created in it. moto cannot give a new account a
 * chosen id, so those accounts get fresh ids, returned as a map from the DSL's ids.
 */
import { CreateAccountCommand, CreateOrganizationCommand, DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import type { ClientFactory } from '../aws/clients.js';
import type { Desired } from '../config/resolve.js';

export interface SandboxOrganization {
  organizationId: string;
  /** DSL account id → the id of that account in the emulator. */
  ids: Record<string, string>;
}

export async function createSandboxOrganization(factory: ClientFactory, desired: Desired): Promise<SandboxOrganization> {
  const org = desired.organization;
  const organizations = await factory.forAccount(org.management_account_id).client('organizations');
  try {
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
  }
  const { Organization: created } = await organizations.send(new DescribeOrganizationCommand({}));

  const roles: [string, string | undefined][] = [
    ['cicd', org.cicd_account_id],
    ['audit', org.audit_account_id],
    ['delegated-admin', org.delegated_admin_account_id],
  ];
  const ids: Record<string, string> = {};
  for (const [role, id] of roles) {
    if (!id || ids[id]) continue;
    // The entry that adopts this account, if any, gives it its name and email, as the
    // real account would have them; orgvend then adopts it like any existing account.
    const entry = desired.accounts.find((a) => a.accountId === id);
    const { CreateAccountStatus: status } = await organizations.send(
      new CreateAccountCommand({ AccountName: entry?.awsName ?? `sandbox-${role}`, Email: entry?.email ?? `sandbox+${role}@example.invalid` }),
    );
    if (!status?.AccountId) throw new Error(`the emulator did not create the ${role} account`);
    ids[id] = status.AccountId;
  }
  await createArtifactBuckets(factory, ids[org.cicd_account_id] ?? org.cicd_account_id, desired);
  return { organizationId: created!.Id!, ids };
}

/**
 * The artifact buckets, which an administrator creates by hand in AWS before anything
 * else: in the sandbox the CICD account gets them, one per region.
 */
async function createArtifactBuckets(factory: ClientFactory, cicd: string, desired: Desired): Promise<void> {
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  for (const [region, bucket] of Object.entries(desired.organization.artifact_buckets)) {
    const s3 = await factory.client('s3', cicd, region);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }) }));
    } catch (error) {
      if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }
}

/** The DSL as the sandbox sees it: the pre-existing accounts under their emulator ids. */
export function withSandboxIds(desired: Desired, ids: Readonly<Record<string, string>>): Desired {
  const map = (id: string | undefined) => (id === undefined ? undefined : (ids[id] ?? id));
  const org = desired.organization;
  return {
    ...desired,
    organization: {
      ...org,
      cicd_account_id: map(org.cicd_account_id)!,
      audit_account_id: map(org.audit_account_id)!,
      delegated_admin_account_id: map(org.delegated_admin_account_id),
    },
    accounts: desired.accounts.map((a) => (a.accountId ? { ...a, accountId: map(a.accountId) } : a)),
  };
}
