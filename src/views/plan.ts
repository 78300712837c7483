/**
 * Views of a plan. Text and Markdown are rendered from the plan's JSON form, so no two
 * formats can disagree.
 *
 * Every value is written for where it lands, whoever wrote it (accounts.yml, the live
 * organization, a saved plan): in the text view line breaks and control characters (ANSI
 * escape sequences among them) are written as escapes (`\n`, `\u001b`), so a value cannot
 * add a line or restyle the terminal; in Markdown, besides, nothing in a value is markup
 * (markdown.ts), so it cannot end the table, add a line such as "No changes" or open an
 * HTML comment that hides what follows.
 */
import { escapeControlCharacters } from '../config/control-characters.js';
import { CHANGE_KINDS, accountList, type Change, type Plan, type SamplePreview } from '../plan/plan.js';
import { PARAMETER_PREFIX } from '../protocol/names.js';
import { recoveryOf } from '../plan/stack-action.js';
import { statementDiff } from './statement-diff.js';
import type { Style } from './style.js';

export function planJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

type Fields = Record<string, unknown>;

function tagDiff(before: Record<string, string | null>, after: Record<string, string | null>): string {
  return Object.keys(after)
    .map((key) => {
      const [from, to] = [before[key] ?? null, after[key] ?? null];
      if (to === null) return `-${key}`;
      if (from === null) return `+${key}=${to}`;
      return `${key}: ${from} → ${to}`;
    })
    .join(', ');
}

const diffs = new WeakMap<Change, ReturnType<typeof statementDiff>>();
/** An scp.update's statement diff, computed once for the line and the body that show it. */
export function changeDiff(change: Change): ReturnType<typeof statementDiff> {
  if (!diffs.has(change)) {
    const { before, after } = change as { before: { document: unknown }; after: { document: unknown } };
    diffs.set(change, statementDiff(before.document, after.document));
  }
  return diffs.get(change)!;
}

/** What the change does, in a few words. */
export function describeChange(change: Change): string {
  const before = (change.before ?? {}) as Fields;
  const after = (change.after ?? {}) as Fields;
  switch (change.type) {
    case 'ou.create':
      return `under ${after.parent}`;
    case 'account.create':
      return `${after.aws_name} <${after.email}> in ${after.ou}`;
    case 'account.move':
      return `${before.ou} → ${after.ou}`;
    case 'account.tag':
      return tagDiff((before.tags ?? {}) as Record<string, string | null>, (after.tags ?? {}) as Record<string, string | null>);
    case 'account.retire':
      return `${before.ou} → ${after.ou}, tagged retired`;
    case 'account.close':
      return 'close the account (AWS keeps it suspended for 90 days)';
    case 'account.bootstrap':
      return `${after.stack} (its bus, queue, rules and handler)`;
    case 'scp.enable':
      return 'enable service control policies on the root';
    case 'scp.create':
      return `${after.characters} characters, from ${after.file}`;
    case 'scp.update': {
      const diff = changeDiff(change);
      const symbol = { added: '+', removed: '-', changed: '~' } as const;
      return `${diff.map((d) => `${symbol[d.kind]}${d.sid}`).join(' ') || 'description'}, ${after.characters} characters`;
    }
    case 'scp.attach':
      return `attach to ${after.target}`;
    case 'scp.detach':
      return `detach from ${before.target}`;
    case 'scp.delete':
      return 'delete the policy';
    case 'policy.enable':
      return `enable ${after.policy_type} on the root`;
    case 'policy.create':
      return `${after.policy_type}, ${after.characters} characters, from ${after.file}`;
    case 'policy.update':
      return `${after.policy_type}, ${after.characters} characters`;
    case 'policy.attach':
      return `attach to ${after.target}`;
    case 'policy.detach':
      return `detach from ${before.target}`;
    case 'policy.delete':
      return `delete the ${before.policy_type}`;
    case 'contacts.put':
    case 'contacts.delete':
      return Object.keys(after.contacts as Fields).join(', ');
    case 'region.enable':
    case 'region.disable':
      return before.status === (change.type === 'region.enable' ? 'ENABLING' : 'DISABLING')
        ? `${before.status}: wait until ${after.status}`
        : `${before.status} → ${after.status}`;
    case 'delegated-admin.register': {
      const admins = (before.delegated_admins ?? []) as string[];
      const register = `register ${after.delegated_admin} as delegated administrator`;
      // sync-security plans trusted access as a change of its own (trusted-access.enable), so its register says nothing of it.
      if (before.trusted_access !== false) return register;
      return admins.includes(after.delegated_admin as string) ? `enable trusted access (${after.delegated_admin} is registered already)` : `enable trusted access, then ${register}`;
    }
    case 'delegated-admin.deregister':
      return `deregister ${before.account} as delegated administrator for ${before.service_principal}`;
    case 'trusted-access.enable':
      return `enable trusted access for ${before.service_principal}`;
    case 'trail.create':
      return `organization trail, every region, log file validation, into s3://${after.bucket}, logging`;
    case 'trail.update': {
      const changed = after.changed as string[];
      const logging = before.logging ? '' : 'start logging';
      return [changed.length && `${changed.map((key) => `${key}: ${String(before[key])} → ${String(after[key])}`).join(', ')}`, logging].filter(Boolean).join('; ');
    }
    case 'guardduty.admin.enable':
    case 'securityhub.admin.enable':
      return `make ${after.admin} ${change.type.startsWith('guardduty') ? 'GuardDuty' : 'Security Hub'}'s administrator in ${after.region}`;
    case 'guardduty.configure': {
      const steps = [!before.detector_id && 'turn GuardDuty on', `auto-enable members: ${String(before.auto_enable ?? 'none')} → ${String(after.auto_enable)}`];
      return `in ${after.admin}: ${steps.filter(Boolean).join(', ')}`;
    }
    case 'securityhub.configure': {
      const steps = [
        !before.hub && 'turn Security Hub on',
        before.auto_enable !== after.auto_enable && `auto-enable new accounts: ${String(before.auto_enable ?? 'none')} → ${String(after.auto_enable)}`,
        before.auto_enable_standards !== after.auto_enable_standards && `default standards: ${String(before.auto_enable_standards ?? 'none')} → ${String(after.auto_enable_standards)}`,
      ];
      return `in ${after.admin}: ${steps.filter(Boolean).join(', ')}`;
    }
    case 'config.aggregator.put': {
      if (!change.before) return `in ${after.admin}: organization aggregator ${after.name}, every region, through ${after.role}`;
      return `in ${after.admin}: ${(after.changed as string[]).map((key) => `${key}: ${String(before[key])} → ${key === 'role_arn' ? String(after.role) : String(after[key])}`).join(', ')}`;
    }
    case 'template.upload':
      return `s3://${after.bucket}/${after.key} (${after.bytes} bytes)`;
    case 'template.index':
      return `s3://${after.bucket}/${after.key}: ${after.keys} templates${change.before ? ` (listed ${before.keys})` : ''}`;
    case 'parameters.put': {
      const wanted = (after.parameters ?? {}) as Record<string, string>;
      const had = before.parameters as Record<string, string | null>;
      if (change.reason === 'missing-in-account') return `${Object.keys(wanted).length} parameters under ${PARAMETER_PREFIX}`;
      const short = (values: Record<string, string | null>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k.slice(PARAMETER_PREFIX.length), v]));
      return tagDiff(short(had), short(Object.fromEntries(Object.keys(had).map((k) => [k, wanted[k] ?? null]))));
    }
    case 'public-access-block.put': {
      const show = (b: Record<string, boolean> | null) => (b ? Object.entries(b).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ') : 'none');
      const on = (after.public_access_block as Record<string, boolean>).block_public_acls;
      return `S3 Block Public Access: ${show(before.public_access_block as Record<string, boolean> | null)} → all ${on ? 'on' : 'off'}`;
    }
    case 'config-recorder.put': {
      const recorders = before.config_recorders as Record<string, Fields | null>;
      // Each region that changes as it is: none, stopped, or recording (with what else differs).
      const state = (region: string, r: Fields | null) => {
        if (!r) return 'none';
        if (!r.recording) return 'stopped';
        const differ = (after.changed as Record<string, string[]>)[region]!.filter((k) => k !== 'recording');
        return differ.length ? `recording (${differ.join(', ')} differ)` : 'recording';
      };
      const was = Object.entries(recorders).map(([region, r]) => `${region} ${state(region, r)}`);
      return `AWS Config: ${was.join(', ')} → ${after.config_recorder ? `recording every resource type into ${after.bucket}` : 'stopped'}`;
    }
    case 'record.upsert': {
      const show = (r: Fields | null) => (r ? `${(r.values as string[]).join(' ')} (ttl ${r.ttl})` : 'none');
      return `in ${after.zone}: ${show(change.before as Fields | null)} → ${show(after)}`;
    }
    case 'stack.delete': {
      const resources = after.resources as string[];
      const retained = resources.filter((r) => r.endsWith(' (retained)')).length;
      return `delete the stack in ${after.region}: ${resources.length - retained} to remove${retained ? `, ${retained} retained (DeletionPolicy: Retain)` : ''}`;
    }
    case 'stack.deploy': {
      const template = before.template_sha256 ? `template ${before.template_sha256} → ${after.template_sha256}` : `create with template ${after.template_sha256}`;
      const recovery = recoveryOf(before.status as string | null);
      const state = recovery ? ` (stack ${before.status}: ${recovery})` : '';
      if (!after.resources) return `${template}${state}`;
      const count = (symbol: string) => (after.resources as string[]).filter((r) => r.startsWith(symbol)).length;
      return `${template} in ${after.region}: ${count('+')} to add, ${count('~')} to change, ${count('-')} to remove${state}`;
    }
    case 'permission-set.create': {
      const inline = after.inline_policy ? `, an inline policy of ${(after.inline_policy as string).length} characters` : '';
      const managed = (after.managed_policies as string[]).map((arn) => arn.slice(arn.lastIndexOf('/') + 1));
      return `access level ${after.level}: ${after.session_duration} sessions, ${managed.length ? managed.join(', ') : 'no managed policy'}${inline}`;
    }
    case 'permission-set.update': {
      const changed = (after.changes as string[]).map((l) => l.split(/ arn:|:/)[0]);
      return changed.length
        ? `access level ${after.level}: ${changed.join(', ')}; provisioned again to its accounts`
        : `access level ${after.level}: as wanted, but an earlier run changed it and stopped before provisioning it; provisioned again to its accounts`;
    }
    case 'assignment.create':
      return `group "${after.group}" gets ${after.permission_set}`;
    case 'assignment.delete':
      return `group "${before.group}" loses ${before.permission_set}`;
    default:
      return JSON.stringify(after);
  }
}

type Contact = { name: string; title: string; email: string; phone: string } | null;
type PrimaryContact = Record<string, string> | null;
const showContact = (c: Contact) => (c ? `${c.name} (${c.title}) <${c.email}> ${c.phone}` : 'none');
/** The primary contact as an address is written: name, company, street lines, city, region, postcode, country, phone, site. */
const PRIMARY_ORDER = ['full_name', 'company_name', 'address_line1', 'address_line2', 'address_line3', 'city', 'district_or_county', 'state_or_region', 'postal_code', 'country_code', 'phone', 'website_url'];
const showPrimaryContact = (c: PrimaryContact) => (c ? PRIMARY_ORDER.flatMap((field) => (c[field] ? [c[field]] : [])).join(', ') : 'none');

/** Per contact type, what it is and what it becomes: `billing: Ann (CFO) <a@x> +61… → Bob …`. */
export function contactLines(change: Change): string[] {
  const before = ((change.before as Fields | null)?.contacts ?? {}) as Record<string, Contact>;
  const after = ((change.after as Fields | null)?.contacts ?? {}) as Record<string, Contact>;
  const show = (type: string, c: unknown) => (type === 'primary' ? showPrimaryContact(c as PrimaryContact) : showContact(c as Contact));
  return Object.keys(after).map((type) => `${type}: ${show(type, before[type] ?? null)} → ${show(type, after[type] ?? null)}`);
}

/** A permission-set.update's differences, the inline policy's statement by statement: `session_duration: PT1H → PT4H`, `+ managed policy arn:…`. */
export function permissionSetLines(change: Change): string[] {
  const before = change.before as Fields;
  const after = change.after as Fields;
  const parse = (text: unknown) => (typeof text === 'string' ? (JSON.parse(text) as unknown) : null);
  return (after.changes as string[]).flatMap((line) => {
    if (!line.endsWith(' inline policy')) return [line];
    let diff: ReturnType<typeof statementDiff>;
    try {
      diff = statementDiff(parse(before.inline_policy), parse(after.inline_policy));
    } catch {
      return [line];
    }
    return [line, ...diff.flatMap((d) => [`  ${d.kind} ${d.sid}:`, ...d.lines.map((l) => `    ${l}`)])];
  });
}

/** A stack.deploy's (or stack.delete's) resources, by logical id: `+Vpc AWS::EC2::VPC`. */
export const resourceLines = (change: Change) => ((change.after as Fields | null)?.resources ?? []) as string[];

/** The target as people know it: the DSL name, and the account id when there is one; control characters as escapes. */
export function targetLabel(change: Change): string {
  const id = (change.before as Fields | null)?.account_id;
  return escapeControlCharacters(id ? `${change.target} (${id})` : change.target);
}

/** `1 conflict needs` / `2 conflicts need` a person. */
export const conflictCount = (n: number) => `${n} conflict${n === 1 ? ' needs' : 's need'} a person`;

export function summaryLine(plan: Plan): string {
  const conflicts = plan.conflicts.length;
  if (!plan.changes.length) {
    return conflicts ? `No changes can be made, and the organization does not match the repository: ${conflictCount(conflicts)}.` : 'No changes. The organization matches the repository.';
  }
  const parts = Object.entries(plan.summary).map(([type, count]) => `${count} ${type}`);
  return `Plan: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}: ${parts.join(', ')}.${conflicts ? ` ${conflictCount(conflicts)}; nothing is done for them.` : ''}`;
}

const colourOf = (symbol: string, s: Style) => (symbol === '+' ? s.green : symbol === '-' ? s.red : s.yellow);


/** Sample outcomes that change, grouped: `ec2:RunInstances in eu-west-1: allowed → denied for foo, bar`. */
export function previewLines(preview: readonly SamplePreview[]): string[] {
  return preview.map((sample) => {
    const what = [sample.action, sample.region && `in ${sample.region}`, sample.principal && `by ${sample.principal}`, sample.resource && `on ${sample.resource}`]
      .filter(Boolean)
      .join(' ');
    if (!sample.transitions.length) return `${what}: no account's outcome changes`;
    const groups = new Map<string, string[]>();
    for (const t of sample.transitions) {
      const move = `${t.before} → ${t.after}`;
      groups.set(move, groups.get(move) ?? []).get(move)!.push(t.account);
    }
    return `${what}: ${[...groups].map(([move, accounts]) => `${move} for ${accountList(accounts)}`).join('; ')}`;
  });
}

/** A value for the terminal: on its line, without escape sequences of its own. */
export const plain = (text: string) => escapeControlCharacters(String(text));

export function renderPlanText(plan: Plan, s: Style): string {
  const rows = plan.changes.map((c) => [CHANGE_KINDS[c.type], plain(c.type), targetLabel(c), plain(describeChange(c)), plain(c.reason)] as const);
  const typeWidth = Math.max(0, ...rows.map((r) => r[1].length));
  const targetWidth = Math.min(48, Math.max(0, ...rows.map((r) => r[2].length)));
  const lines: string[] = rows.flatMap(([symbol, type, target, detail, reason], i) => {
    const change = plan.changes[i]!;
    const head = `${colourOf(symbol, s)(`${symbol} ${type.padEnd(typeWidth)}`)}  ${s.bold(target.padEnd(targetWidth))}  ${detail}  ${s.dim(`(${reason})`)}`;
    const body: string[] = [];
    if (change.type === 'scp.update') {
      for (const d of changeDiff(change)) {
        body.push(`      ${d.kind} ${plain(d.sid)}:`, ...d.lines.map(plain).map((l) => `        ${l.startsWith('+') ? s.green(l) : s.red(l)}`));
      }
    }
    if (change.type === 'contacts.put' || change.type === 'contacts.delete') body.push(...contactLines(change).map((l) => `      ${plain(l)}`));
    if (change.type === 'permission-set.update') body.push(...permissionSetLines(change).map(plain).map((l) => `      ${/^[+-]/.test(l) ? colourOf(l[0]!, s)(l) : l}`));
    if (change.type === 'stack.deploy' || change.type === 'stack.delete') body.push(...resourceLines(change).map(plain).map((l) => `      ${colourOf(l[0]!, s)(l)}`));
    if (change.affects?.length) body.push(s.dim(`      affects ${plain(accountList(change.affects))}`));
    return [head, ...body];
  });
  if (plan.unmanaged.length) {
    lines.push('', `Unmanaged accounts, left alone (${plan.unmanaged.length}):`);
    for (const a of plan.unmanaged) lines.push(s.dim(`  ${plain(a.id)}  ${plain(a.name)} <${plain(a.email)}> in ${plain(a.ou)}`));
  }
  if (plan.preview?.length) lines.push('', 'Preview of the samples in organization.scps.samples:', ...previewLines(plan.preview).map((l) => `  ${plain(l)}`));
  if (plan.notes.length) lines.push('', ...plan.notes.map((n) => `${s.yellow('note:')} ${plain(n)}`));
  if (plan.conflicts.length) lines.push('', ...plan.conflicts.map((c) => `${s.red('error:')} ${plain(c)}`));
  lines.push('', s.bold(plain(summaryLine(plan))));
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}
