/**
 * GET_RECORD and CREATE_RECORD, served by the DNS account (organization.dns_account): a
 * record is read or written only under a domain the account it is for may use, as the
 * DNS account's own allow list says (`/orgvend/account/dns/allowed/<account id>`, which
 * sync-accounts keeps as accounts.yml on main says: a pull request's edit to
 * allowed_dns_domains admits nothing until it is merged and synced).
 */
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  paginateListHostedZones,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { DNS_ALLOWED_KEY, sameRecord, withinDomain, type PayloadOf, type ResultOf } from '../protocol/requests.js';
import { PARAMETER_PREFIX } from '../protocol/names.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';
import { parameterValue } from './parameters.js';
import { everyPage } from '../aws/pages.js';

type Ref = PayloadOf<'GET_RECORD'>;

async function allowedDomains(ref: Ref, context: HandlerContext): Promise<string[]> {
  const list = await parameterValue(await context.clients.client('ssm'), `${PARAMETER_PREFIX}${DNS_ALLOWED_KEY}${ref.account_id}`);
  return (list ?? '').split(',').filter(Boolean);
}

/** The zone the record goes in, once the allow list admits it: the longest public zone the name is in. */
async function zoneFor(ref: Ref, context: HandlerContext): Promise<{ route53: Route53Client; zone: string; zoneId: string }> {
  const allowed = await allowedDomains(ref, context);
  if (!allowed.some((domain) => withinDomain(ref.name, domain))) {
    throw new HandlerError(
      'rejected',
      allowed.length
        ? `${ref.account} (${ref.account_id}) may have records only under ${allowed.join(', ')}, not ${ref.name}`
        : `${ref.account} (${ref.account_id}) may have no DNS records: the DNS account ${context.config.accountId} has no allowed_dns_domains for it`,
    );
  }
  const route53 = await context.clients.client('route53');
  let best: { zone: string; zoneId: string } | undefined;
  for await (const page of everyPage(paginateListHostedZones({ client: route53 }, {}), (p) => p.NextMarker)) {
    for (const z of page.HostedZones ?? []) {
      const zone = z.Name!.replace(/\.$/, '');
      if (z.Config?.PrivateZone || !withinDomain(ref.name, zone)) continue;
      if (!best || zone.length > best.zone.length) best = { zone, zoneId: z.Id!.replace(/^\/hostedzone\//, '') };
    }
  }
  if (!best) throw new HandlerError('failed', `no public hosted zone in the DNS account ${context.config.accountId} holds ${ref.name}`);
  return { route53, ...best };
}

async function currentRecord(route53: Route53Client, zoneId: string, ref: Ref): Promise<ResultOf<'GET_RECORD'>['current']> {
  const { ResourceRecordSets } = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: ref.name, StartRecordType: ref.type, MaxItems: 1 }),
  );
  const found = ResourceRecordSets?.find((r) => r.Name?.replace(/\.$/, '') === ref.name && r.Type === ref.type);
  return found ? { ttl: found.TTL ?? 0, values: (found.ResourceRecords ?? []).map((r) => r.Value!) } : null;
}

export const getRecord: Handler<PayloadOf<'GET_RECORD'>, ResultOf<'GET_RECORD'>> = async (payload, context) => {
  const { route53, zone, zoneId } = await zoneFor(payload, context);
  return { zone, zone_id: zoneId, current: await currentRecord(route53, zoneId, payload) };
};

export const createRecord: Handler<PayloadOf<'CREATE_RECORD'>, ResultOf<'CREATE_RECORD'>> = async (payload, context) => {
  const { route53, zone, zoneId } = await zoneFor(payload, context);
  const current = await currentRecord(route53, zoneId, payload);
  if (sameRecord(current, payload)) return { zone, outcome: 'unchanged' };
  if (context.dryrun) return { zone, outcome: current ? 'would-update' : 'would-create' };
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Comment: `orgvend: ${payload.account}`,
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: payload.name, Type: payload.type, TTL: payload.ttl, ResourceRecords: payload.values.map((Value) => ({ Value })) } }],
      },
    }),
  );
  return { zone, outcome: current ? 'updated' : 'created' };
};
