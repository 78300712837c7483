/**
 * The actions of `./run.sh --action NAME`. Each is loaded only when chosen, so `--help`
 * and `validate` never load what `sync-accounts` needs (the AWS SDK among it).
 */
import type { Io } from '../io.js';
import type { CliOptions, Flag, Format } from '../options.js';
import type { ExitCode } from '../../errors.js';
import type { RuntimeHooks } from '../runtime.js';

export interface ActionModule {
  run(options: CliOptions, io: Io, hooks?: RuntimeHooks): Promise<ExitCode>;
}

export interface ActionSpec {
  summary: string;
  /** Flags this action accepts besides --action; any other is a usage error. */
  flags: Flag[];
  formats: Format[];
  /** Flags that must be given. */
  required?: Flag[];
  /** What a flag means for this action, where that is not what it means for the others (import's --out). */
  flagHelp?: Partial<Record<Flag, string>>;
  /** A command line that uses it, for `--action NAME --help`. */
  example: string;
  load(): Promise<ActionModule>;
}

/** What every planning action takes (runPlanAction reads them): the plan's formats, where it runs, --execute, saved plans. */
const PLAN_FLAGS: Flag[] = ['config', 'format', 'sandbox', 'profile', 'direct', 'execute', 'yes', 'out', 'plan', 'detailedExitcode', 'sharedRead'];
const PLAN_FORMATS: Format[] = ['text', 'markdown', 'json'];

export const ACTIONS: Record<string, ActionSpec> = {
  validate: {
    summary: 'check accounts.yml offline; exit 65 with every problem when it is invalid',
    flags: ['config', 'format'],
    formats: ['text', 'json'],
    example: './run.sh --action validate --format json',
    load: () => import('./validate.js'),
  },
  explain: {
    summary: "show every effective setting of an account and the layer it came from (--account NAME)",
    flags: ['config', 'account', 'format'],
    formats: ['text', 'json'],
    required: ['account'],
    example: './run.sh --action explain --account payments',
    load: () => import('./explain.js'),
  },
  'sync-accounts': {
    summary: 'plan the organization against accounts.yml (OUs, new accounts, moves, tags, retirements); --execute carries it out',
    flags: [...PLAN_FLAGS, 'refresh'],
    formats: PLAN_FORMATS,
    example: './run.sh --action sync-accounts --format markdown --detailed-exitcode --out plan.json',
    load: () => import('./sync-accounts.js'),
  },
  'create-account': {
    summary: 'the same for one account (--account NAME): its OU, creation, move and tags',
    flags: [...PLAN_FLAGS, 'account'],
    formats: PLAN_FORMATS,
    required: ['account'],
    example: './run.sh --action create-account --account payments --execute',
    load: () => import('./create-account.js'),
  },
  'sync-scps': {
    summary: 'plan the service control policies under scps/ against the organization, with a preview of their effect; --execute applies them',
    flags: [...PLAN_FLAGS, 'stage'],
    formats: PLAN_FORMATS,
    example: './run.sh --action sync-scps --stage test --execute',
    load: () => import('./sync-scps.js'),
  },
  'sync-security': {
    summary: 'plan the delegated administrators of organization.delegated_administrators (trusted access, registrations, deregistrations); --execute applies them',
    flags: PLAN_FLAGS,
    formats: PLAN_FORMATS,
    example: './run.sh --action sync-security --execute',
    load: () => import('./sync-security.js'),
  },
  'put-contacts': {
    summary: 'plan the alternate contacts (billing, operations, security) of every account against accounts.yml; --execute puts them',
    flags: [...PLAN_FLAGS, 'account', 'refresh'],
    formats: PLAN_FORMATS,
    flagHelp: { refresh: "read every account's contacts, also those whose orgvend:applied-contacts tag says they are as the repository wants" },
    example: './run.sh --action put-contacts --account payments',
    load: () => import('./put-contacts.js'),
  },
  'enable-region': {
    summary: 'plan the opt-in regions of every account against accounts.yml; --execute enables (or disables) them and waits until done',
    flags: [...PLAN_FLAGS, 'account', 'refresh'],
    formats: PLAN_FORMATS,
    flagHelp: { refresh: "read every account's regions, also those whose orgvend:applied-regions tag says they are as the repository wants" },
    example: './run.sh --action enable-region --account payments --execute',
    load: () => import('./enable-region.js'),
  },
  'sync-access': {
    summary: "plan people's access through IAM Identity Center (organization.identity_center's permission sets, each account's access groups); --execute applies it",
    flags: [...PLAN_FLAGS, 'account', 'refresh'],
    formats: PLAN_FORMATS,
    flagHelp: { refresh: "read every account's assignments, also those whose orgvend:applied-access tag says they are as the repository wants" },
    example: './run.sh --action sync-access --account payments --execute',
    load: () => import('./sync-access.js'),
  },
  'render-templates': {
    summary: 'render templates/*.njk into build/templates/, check them (cfn-lint, ValidateTemplate); --execute uploads them to the artifact buckets',
    flags: [...PLAN_FLAGS, 'refresh'],
    formats: PLAN_FORMATS,
    flagHelp: { refresh: 'check and look up every template, also those the artifact buckets\' indexes list as uploaded' },
    example: './run.sh --action render-templates --execute',
    load: () => import('./render-templates.js'),
  },
  'create-record': {
    summary: 'plan one DNS record for an account (--account NAME --record NAME --type TYPE --value V), under its allowed_dns_domains, in the DNS account; --execute upserts it',
    flags: ['config', 'account', 'record', 'type', 'value', 'ttl', 'format', 'sandbox', 'profile', 'execute', 'yes', 'detailedExitcode'],
    formats: PLAN_FORMATS,
    required: ['account', 'record', 'type', 'value'],
    example: './run.sh --action create-record --account payments --record api.payments.example.com --type CNAME --value lb.example.com --execute',
    load: () => import('./create-record.js'),
  },
  bootstrap: {
    summary: "render and deploy orgvend's stack (buses, queues, rules, handler) in the management, CICD and audit accounts",
    flags: ['config', 'format', 'sandbox', 'profile', 'execute', 'yes'],
    formats: PLAN_FORMATS,
    example: 'AWS_PROFILE=management ./run.sh --action bootstrap --execute',
    load: () => import('./bootstrap.js'),
  },
  ping: {
    summary: 'ask every bootstrapped account who it is, through the bus: checks the whole request-reply path',
    flags: ['config', 'format', 'sandbox', 'profile'],
    formats: ['text', 'json'],
    example: './run.sh --sandbox --action ping',
    load: () => import('./ping.js'),
  },
  import: {
    summary: 'read the live organization and write accounts.yml (scopes from OUs, common values in defaults and scopes) and scps/; sends nothing that changes anything',
    flags: ['config', 'format', 'sandbox', 'profile', 'direct', 'out', 'merge'],
    formats: ['text', 'json'],
    flagHelp: {
      config: 'the DSL file whose organization section says how to reach the organization (and is copied into a new file)',
      out: 'the accounts.yml to write, refused if it exists unless --merge (default: accounts.yml)',
    },
    example: './run.sh --action import --config bootstrap.yml --out accounts.yml',
    load: () => import('./import.js'),
  },
  'sandbox-stop': {
    summary: 'stop the local sandbox organization started by --sandbox',
    flags: [],
    formats: ['text'],
    example: './run.sh --action sandbox-stop',
    load: () => import('./sandbox-stop.js'),
  },
};
