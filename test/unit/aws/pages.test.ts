/**
 * everyPage over the SDK's own paginators. Organizations and Route 53 are mocked
 * (aws-sdk-client-mock) to hand back a repeated next token, as moto 5.2.1's
 * ListCreateAccountStatus does past two pages, which moto cannot be made to do on demand.
 */
import { ListCreateAccountStatusCommand, OrganizationsClient, paginateListCreateAccountStatus } from '@aws-sdk/client-organizations';
import { ListHostedZonesCommand, Route53Client, paginateListHostedZones } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RepeatedPageTokenError, everyPage } from '../../../src/aws/pages.js';

const status = (name: string) => ({ AccountName: name, State: 'SUCCEEDED' as const });
const organizations = mockClient(OrganizationsClient);
const route53 = mockClient(Route53Client);
afterEach(() => {
  organizations.reset();
  route53.reset();
});
// Files share a worker's modules (isolate: false): a stub left behind would answer other files' calls.
afterAll(() => {
  organizations.restore();
  route53.restore();
});

const client = new OrganizationsClient({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } });
const names = (pages: { CreateAccountStatuses?: { AccountName?: string }[] }[]) => pages.flatMap((p) => (p.CreateAccountStatuses ?? []).map((s) => s.AccountName));

/** The pages `listing` gives before it ends or throws, and what it threw. */
async function collect<P>(listing: AsyncIterable<P>, atMost = 20): Promise<{ pages: P[]; error?: unknown }> {
  const pages: P[] = [];
  try {
    for await (const page of listing) if (pages.push(page) >= atMost) break;
  } catch (error) {
    return { pages, error };
  }
  return { pages };
}

describe('everyPage', () => {
  it('gives every page of a listing that ends', async () => {
    organizations.onAnyCommand().rejects(new Error('unexpected command'));
    organizations
      .on(ListCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatuses: [status('a')], NextToken: 't1' })
      .resolvesOnce({ CreateAccountStatuses: [status('b')], NextToken: 't2' })
      .resolvesOnce({ CreateAccountStatuses: [status('c')] });
    const { pages, error } = await collect(everyPage(paginateListCreateAccountStatus({ client }, {})));
    expect(error).toBeUndefined();
    expect(names(pages)).toEqual(['a', 'b', 'c']);
  });

  it('stops with an error where a next token repeats, which the bare SDK paginator follows for ever', async () => {
    organizations.onAnyCommand().rejects(new Error('unexpected command'));
    // As moto 5.2.1 answers: the second page hands back the token it was asked with.
    organizations
      .on(ListCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatuses: [status('a')], NextToken: '123' })
      .resolves({ CreateAccountStatuses: [status('b')], NextToken: '123' });

    const bare = await collect(paginateListCreateAccountStatus({ client }, {}), 20);
    expect(bare.pages).toHaveLength(20);

    organizations.resetHistory();
    const { pages, error } = await collect(everyPage(paginateListCreateAccountStatus({ client }, {})));
    expect(names(pages)).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(RepeatedPageTokenError);
    expect((error as Error).message).toContain('"123"');
    // Not one request more than the two pages it gave.
    expect(organizations.commandCalls(ListCreateAccountStatusCommand)).toHaveLength(2);
  });

  it('stops where tokens go round in a circle', async () => {
    organizations.onAnyCommand().rejects(new Error('unexpected command'));
    organizations
      .on(ListCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatuses: [status('a')], NextToken: 'A' })
      .resolvesOnce({ CreateAccountStatuses: [status('b')], NextToken: 'B' })
      .resolves({ CreateAccountStatuses: [status('c')], NextToken: 'A' });
    const { pages, error } = await collect(everyPage(paginateListCreateAccountStatus({ client }, {})));
    expect(names(pages)).toEqual(['a', 'b', 'c']);
    expect(error).toBeInstanceOf(RepeatedPageTokenError);
  });

  it('lets a caller that found what it looked for stop before the repeat is reached', async () => {
    organizations.onAnyCommand().rejects(new Error('unexpected command'));
    organizations
      .on(ListCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatuses: [status('a')], NextToken: '123' })
      .resolves({ CreateAccountStatuses: [status('b')], NextToken: '123' });
    let found: string | undefined;
    for await (const page of everyPage(paginateListCreateAccountStatus({ client }, {}))) {
      found = page.CreateAccountStatuses?.find((s) => s.AccountName === 'b')?.AccountName;
      if (found) break;
    }
    expect(found).toBe('b');
  });

  it('reads the token a service names otherwise (Route 53\'s NextMarker)', async () => {
    route53.onAnyCommand().rejects(new Error('unexpected command'));
    route53
      .on(ListHostedZonesCommand)
      .resolvesOnce({ HostedZones: [], IsTruncated: true, NextMarker: 'Z1', MaxItems: 1 })
      .resolves({ HostedZones: [], IsTruncated: true, NextMarker: 'Z1', MaxItems: 1 });
    const zones = new Route53Client({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } });
    const { pages, error } = await collect(everyPage(paginateListHostedZones({ client: zones }, {}), (p) => p.NextMarker));
    expect(pages).toHaveLength(2);
    expect(error).toBeInstanceOf(RepeatedPageTokenError);
  });
});
