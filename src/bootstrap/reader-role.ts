/**
 * The reader role (NAMES.readerRole), in every account whose stack serves member requests:
 * what READ_ACCOUNTS reads there through it. Its policy is the permissions of the requests
 * whose reads it makes (READER_ROLE_READS: GET_PARAMETERS, GET_STACKS), as the account's own
 * handler has them, so it can read what those read and do nothing else. Pure.
 *
 * It trusts one principal: the management account's handler role, which serves
 * READ_ACCOUNTS. That handler may already assume OrganizationAccountAccessRole in every
 * member (BOOTSTRAP_ACCOUNTS), so trusting it gives it no reach it lacks; the delegated
 * administrator's handler can reach into no member today, and trusting it would give it a
 * way in. The management account is also the one that always exists (a delegated
 * administrator is optional). The principal is the account, narrowed to the handler's role
 * by aws:PrincipalArn: a role named as principal turns into its unique id, and a trust
 * naming it would stop working, silently, once the role is made again by a stack update.
 */
import { NAMES } from '../protocol/names.js';
import { READER_ROLE_READS, permissionsFor, type PermissionGroup } from '../protocol/requests.js';
import type { BootstrapOrganization } from './topology.js';

type Value = string | { 'Fn::Sub': string };
const sub = (text: string): Value => ({ 'Fn::Sub': text });

export interface ReaderRole {
  name: string;
  description: string;
  trust: { Version: '2012-10-17'; Statement: Record<string, unknown>[] };
  policy: { Version: '2012-10-17'; Statement: { Sid: string; Effect: 'Allow' | 'Deny'; Action: string[]; Resource: Value | Value[]; Condition?: Record<string, unknown> }[] };
}

/**
 * The stack actions of a policy's statements (ListStacks, which names no stack, aside): what
 * a role that may act on orgvend-* stacks (the team's templates' among them) is denied on
 * orgvend's own stack, which only bootstrap deploys.
 */
export function bootstrapStackDenied(groups: readonly PermissionGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.actions).filter((a) => a.startsWith('cloudformation:') && a !== 'cloudformation:ListStacks'))].sort();
}

export function readerRole(org: Pick<BootstrapOrganization, 'management_account_id'>, organizationId: string): ReaderRole {
  const management = org.management_account_id;
  const groups = permissionsFor([...READER_ROLE_READS], organizationId);
  return {
    name: NAMES.readerRole,
    description: `orgvend READ_ACCOUNTS: reads orgvend's parameters and stacks here for the management account's handler, nothing else`,
    trust: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: sub(`arn:\${AWS::Partition}:iam::${management}:root`) },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnEquals: { 'aws:PrincipalArn': sub(`arn:\${AWS::Partition}:iam::${management}:role/${NAMES.handlerRole}`) },
            // As the handler's own grant is conditioned on aws:ResourceOrgID: both sides in this organization.
            StringEquals: { 'aws:PrincipalOrgID': organizationId },
          },
        },
      ],
    },
    policy: {
      Version: '2012-10-17',
      Statement: groups.map((group, i): ReaderRole['policy']['Statement'][number] => ({
        Sid: `Read${i + 1}`,
        Effect: 'Allow' as const,
        Action: group.actions,
        Resource: group.resources[0] === '*' ? '*' : group.resources.length === 1 ? sub(group.resources[0]!) : group.resources.map(sub),
        ...(group.condition ? { Condition: group.condition } : {}),
      })).concat({
        // GET_STACKS reads orgvend-<template> stacks, the team's among them: never orgvend's own.
        Sid: 'NeverTheBootstrapStack',
        Effect: 'Deny' as const,
        Action: bootstrapStackDenied(groups),
        Resource: sub(`arn:\${AWS::Partition}:cloudformation:*:\${AWS::AccountId}:stack/${NAMES.stack}/*`),
      }),
    },
  };
}
