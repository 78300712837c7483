/**
 * import: the live organization → accounts.yml, scps/ and policies/. Reads only (LIST_OUS,
 * LIST_ACCOUNTS, GET_CONTACTS, GET_REGIONS, LIST_POLICIES, all through the bus as
 * sync-accounts reads), then writes a new file, or with --merge adds to an existing one
 * what it does not match yet. Policy files are written only where none is.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { parseConfig } from '../../config/load.js';
import type { Scope, Settings } from '../../config/schema.js';
import { ExitCode, InputError, RequestError, UsageError } from '../../errors.js';
import { mergedRepositoryText, newRepositoryText } from '../../import/document.js';
import { inferRepository, type ExistingFile } from '../../import/infer.js';
import { matchAccounts } from '../../plan/match.js';
import { policyLabel } from '../../plan/policy-set.js';
import type { LiveContacts } from '../../protocol/requests.js';
import { OTHER_KINDS, SCP_KIND, type PolicyKind } from '../../scp/policy-types.js';
import { readContacts, readRegions } from '../../state/account-settings.js';
import { readLive } from '../../state/live.js';
import { readLiveScps } from '../../state/live-scps.js';
import type { Transport } from '../../transport/transport.js';
import { renderDiagnostics } from '../../views/diagnostics.js';
import { style } from '../../views/style.js';
import { wantsColor, type Io } from '../io.js';
import type { CliOptions } from '../options.js';
import { outputOf } from '../output.js';
import { openRuntime, type RuntimeHooks } from '../runtime.js';

export const DEFAULT_OUT = 'accounts.yml';

/** The raw sections of a DSL text (validated already by whoever read it). */
function sections(text: string): { defaults: Settings; scopes: Record<string, Scope> } {
  const raw = (parseDocument(text).toJS() ?? {}) as { defaults?: Settings; scopes?: Record<string, Scope> };
  return { defaults: raw.defaults ?? {}, scopes: raw.scopes ?? {} };
}

/** The policies of `kind` the repository at `root` has a file for, whatever folder they are in, as a plan names them. */
async function policyLabels(root: string, kind: PolicyKind): Promise<string[]> {
  try {
    const entries = await readdir(join(root, kind.dir), { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).flatMap((e) => e.name.match(/^(.+)\.json(?:\.njk)?$/)?.[1] ?? []).map((name) => policyLabel(kind, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * The accounts' alternate contacts and, for a new file, their primary contact (which import
 * writes in defaults when all share it). Where the primary contact cannot be read (the local
 * emulator has no API for it), the alternate contacts alone, and a note.
 */
async function readAllContacts(transport: Transport, ids: string[], primary: boolean, log: (line: string) => void): Promise<Map<string, LiveContacts>> {
  if (!primary) return readContacts(transport, ids);
  try {
    return await readContacts(transport, ids, new Set(ids));
  } catch (error) {
    if (!(error instanceof RequestError) || error.code !== 'unsupported') throw error;
    log(`note: primary contacts not read (${error.detail}); contacts.primary is left out`);
    return readContacts(transport, ids);
  }
}

export async function run(options: CliOptions, io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const out = options.out ?? DEFAULT_OUT;
  const outPath = resolve(io.cwd, out);
  if (existsSync(outPath) && !options.merge) {
    throw new UsageError(`${out} exists: --merge adds to it what it does not have yet, or --out NEW_FILE writes a new one`);
  }
  if (!existsSync(outPath) && options.merge) throw new UsageError(`--merge: ${out} does not exist, so there is nothing to add to; leave out --merge to write it`);
  const configText = await readFile(resolve(io.cwd, options.config), 'utf8');
  const existingText = options.merge ? await readFile(outPath, 'utf8') : undefined;
  const existingDesired = existingText === undefined ? undefined : parseConfig(out, existingText);
  if (existingDesired && !existingDesired.desired) throw new InputError(existingDesired.diagnostics);

  const runtime = await openRuntime({ ...options, execute: false }, io, hooks);
  try {
    const transport = runtime.transport();
    const live = await readLive(transport);
    const target = existingDesired?.desired ?? runtime.desired;
    const matched = existingDesired?.desired ? new Set(matchAccounts(existingDesired.desired.accounts, live).matches.flatMap((m) => (m.live ? [m.live.id] : []))) : new Set<string>();
    const readable = live.accounts.filter((a) => a.status === 'ACTIVE' && a.id !== live.managementAccountId && !matched.has(a.id)).map((a) => a.id);
    const contacts = readable.length ? await readAllContacts(transport, readable, !existingText, runtime.log) : new Map();
    let regions: Awaited<ReturnType<typeof readRegions>> | undefined;
    try {
      regions = readable.length ? await readRegions(transport, readable) : new Map();
    } catch (error) {
      runtime.log(`note: opt-in regions not read (${(error as Error).message}); each account's regions are the defaults' and its own region`);
    }
    const scps = await readLiveScps(transport, live);

    const sectionsRead = sections(existingText ?? configText);
    const base = sectionsRead.defaults;
    const region = base.region ?? target.organization.home_region;
    const existing: ExistingFile | undefined = existingText === undefined ? undefined : {
      ...sectionsRead,
      accountNames: target.accounts.map((a) => a.name),
      matched,
      policies: new Set([...(await Promise.all([SCP_KIND, ...OTHER_KINDS].map((kind) => policyLabels(dirname(outPath), kind)))).flat(), ...Object.keys(target.organization.scps.attachments)]),
    };
    const imported = inferRepository(
      { organization: target.organization, fallback: { region, regions: base.regions ?? [region], globalRegion: base.global_region ?? 'us-east-1' }, live, contacts, regions, scps },
      existing,
    );
    const text = existingText === undefined ? newRepositoryText(configText, imported) : mergedRepositoryText(existingText, imported);
    await writeFile(outPath, text);
    const written: string[] = [];
    const folders = new Set<string>();
    for (const policy of imported.policies) {
      const file = join(dirname(outPath), policy.file);
      if (existsSync(file)) {
        imported.reports.push(`${relative(io.cwd, file)} exists: left as it is`);
        continue;
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, policy.content);
      written.push(relative(io.cwd, file));
      folders.add(`${policy.file.split('/')[0]!}/`);
    }
    for (const report of imported.reports) runtime.log(`note: ${report}`);

    // What was written must be what validate accepts; if not, say so, with where.
    const check = parseConfig(out, text);
    if (!check.desired) io.stderr.write(renderDiagnostics(check.diagnostics, style(wantsColor(io.stderr, io.env))));
    const verb = existingText === undefined ? 'wrote' : 'added to';
    const summary =
      `import ${verb} ${out}: ${imported.accounts.length} account${imported.accounts.length === 1 ? '' : 's'}, ${imported.scopes.length} scope${imported.scopes.length === 1 ? '' : 's'}` +
      `${written.length ? `; ${written.length} polic${written.length === 1 ? 'y' : 'ies'} under ${[...folders].join(' and ')}` : ''}` +
      `${imported.skipped.length ? `; ${imported.skipped.length} not imported (listed in the file, as comments)` : ''}` +
      `${existing ? `; ${matched.size} matched already, left as written` : ''}.\n` +
      (check.desired ? `Next: ./run.sh --action validate${out === DEFAULT_OUT ? '' : ` --config ${out}`}, then sync-accounts, sync-scps and put-contacts, which should plan only the identifying tags.\n` : '');
    outputOf(io, options).document(
      { ok: Boolean(check.desired), exit_code: check.desired ? ExitCode.ok : ExitCode.failure, file: out, merged: existing !== undefined, accounts: imported.accounts.map(([name]) => name), scopes: imported.scopes.map(([name]) => name), skipped: imported.skipped, policies: written, notes: imported.reports },
      summary,
    );
    return check.desired ? ExitCode.ok : ExitCode.failure;
  } finally {
    await runtime.close();
  }
}
