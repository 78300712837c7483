/**
 * Commander wiring: parse the command line, check the flags against the chosen action,
 * run it, and turn every kind of failure into its message and exit code.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { didYouMean } from '../config/suggest.js';
import { ExitCode, UsageError } from '../errors.js';
import { ACTIONS, type ActionSpec } from './actions/index.js';
import type { Io } from './io.js';
import type { CliOptions, Flag, Format } from './options.js';
import { reported } from './output.js';
import type { RuntimeHooks } from './runtime.js';
import { flagValue } from './flag-value.js';

const FLAG_NAMES: Record<Flag, string> = {
  config: '--config',
  account: '--account',
  format: '--format',
  sandbox: '--sandbox',
  profile: '--profile',
  direct: '--direct',
  execute: '--execute',
  yes: '--yes',
  out: '--out',
  merge: '--merge',
  plan: '--plan',
  detailedExitcode: '--detailed-exitcode',
  refresh: '--refresh',
  sharedRead: '--shared-read',
  stage: '--stage',
  record: '--record',
  type: '--type',
  value: '--value',
  ttl: '--ttl',
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function actionsHelp(): string {
  const width = Math.max(...Object.keys(ACTIONS).map((n) => n.length));
  const rows = Object.entries(ACTIONS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`);
  return `\nActions:\n${rows.join('\n')}\n\n./run.sh --action NAME --help shows an action's flags and an example.\n\nExit codes: 0 done, 1 failure, 2 changes pending (--detailed-exitcode), 64 bad command line, 65 invalid input, 130 interrupted (Ctrl-C).\n`;
}

/** Commander's own error messages, kept to be reported as every other error is. */
function buildProgram(io: Io, errors: string[]): Command {
  return new Command('./run.sh')
    .usage('--action NAME [flags]')
    .description('orgvend: GitOps account vending for AWS Organizations')
    .addOption(new Option('--action <name>', `what to do: ${Object.keys(ACTIONS).join(', ')}`))
    .addOption(new Option('--config <file>', 'the DSL file').default('accounts.yml'))
    .addOption(new Option('--account <name>', 'the DSL name of one account'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']))
    .addOption(new Option('--sandbox', 'run against the local sandbox organization (moto) instead of AWS').conflicts('direct'))
    .addOption(new Option('--profile <name>', 'the AWS profile to run with (from ~/.aws/config or ~/.aws/credentials), instead of AWS_PROFILE').conflicts('sandbox'))
    .addOption(new Option('--direct', 'run the handlers here, with your own credentials in the management account, instead of over the bus'))
    .addOption(new Option('--execute', 'make the changes; without it nothing is changed'))
    .addOption(new Option('--yes', 'with --execute on a terminal: apply without asking for confirmation'))
    .addOption(new Option('--out <file>', 'save the plan as JSON, to apply later with --plan'))
    .addOption(new Option('--merge', 'import: add to the existing --out file what it does not have yet, leaving what is written as it is'))
    .addOption(new Option('--plan <file>', 'use a plan saved with --out; with --execute, apply it if the organization has not changed since'))
    .addOption(new Option('--detailed-exitcode', 'exit 2 when there are changes (for CI gates)'))
    .addOption(new Option('--refresh', "sync-accounts: read every account's parameters and stacks, also those whose orgvend:applied tag says they are as the repository wants (finds changes made by hand); put-contacts, enable-region, sync-access: the same for contacts, regions and assignments (orgvend:applied-contacts, -regions, -access); render-templates: check and look up every template, also those the artifact buckets' indexes list"))
    .addOption(new Option('--shared-read <file>', "a plan (not with --execute): take the organization's accounts and tags from FILE when an earlier plan read them there within the hour and the OU tree read now is the same; otherwise read them and write FILE. CI's plan job passes one FILE to each action, so a pull request reads every account's tags once").conflicts('execute'))
    .addOption(new Option('--stage <stage>', 'sync-scps: test stages changed policies in organization.scp_test_ou first; all (default) applies everything').choices(['test', 'all']))
    .addOption(new Option('--record <name>', 'create-record: the record name, e.g. api.foo.example.com'))
    .addOption(new Option('--type <type>', 'create-record: the record type (A, AAAA, CAA, CNAME, MX, SRV, TXT)'))
    .addOption(new Option('--value <value>', 'create-record: a value of the record (repeat for several)').argParser((value: string, previous?: string[]) => [...(previous ?? []), value]))
    .addOption(new Option('--ttl <seconds>', 'create-record: time to live (default 300)').argParser((value: string) => {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number of seconds');
      return Number(value);
    }))
    .helpOption('-h, --help', 'show this help')
    .version(version(), '--version', 'show the version')
    .addHelpText('after', actionsHelp())
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text) => errors.push(text.trim().replace(/^error: /, '')),
    });
}

/** `--action NAME --help`: that action's summary, the flags it takes (only those) and an example. */
function actionHelp(program: Command, name: string, spec: ActionSpec): string {
  const taken = new Set(['--action', '--help', ...spec.flags.map((f) => FLAG_NAMES[f])]);
  const options = program.options.filter((o) => taken.has(o.long ?? ''));
  const label = (o: (typeof options)[number]) => (o.long === '--action' ? `--action ${name}` : o.flags);
  const width = Math.max(...options.map((o) => label(o).length));
  const rows = options.map((o) => {
    const fallback = o.defaultValue === undefined ? '' : ` (default: ${o.defaultValue})`;
    const choices = o.long === '--format' ? ` (${spec.formats.join(', ')})` : o.argChoices ? ` (${o.argChoices.join(', ')})` : '';
    const required = spec.required?.some((f) => FLAG_NAMES[f] === o.long) ? ' [required]' : '';
    const flag = (Object.keys(FLAG_NAMES) as Flag[]).find((f) => FLAG_NAMES[f] === o.long);
    const description = o.long === '--action' ? 'the action' : (flag && spec.flagHelp?.[flag]) || o.description;
    return `  ${label(o).padEnd(width)}  ${description}${choices}${fallback}${required}`;
  });
  return `Usage: ./run.sh --action ${name} [flags]\n\n${spec.summary}\n\nFlags:\n${rows.join('\n')}\n\nExample:\n  ${spec.example}\n`;
}

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

function checkFlags(program: Command, options: CliOptions, io: Io): void {
  const [positional] = program.args;
  if (positional !== undefined) {
    throw new UsageError(ACTIONS[positional] ? `"${positional}" is an action: run ./run.sh --action ${positional}` : `unexpected argument "${positional}"`);
  }
  if (!options.action) throw new UsageError('missing --action NAME');
  const spec = ACTIONS[options.action];
  if (!spec) {
    const hint = didYouMean(options.action, Object.keys(ACTIONS));
    throw new UsageError(`unknown action "${options.action}"${hint ? `; ${hint}` : ''}`);
  }
  for (const flag of Object.keys(FLAG_NAMES) as Flag[]) {
    if (program.getOptionValueSource(flag) === 'cli' && !spec.flags.includes(flag)) {
      throw new UsageError(`${FLAG_NAMES[flag]} does not apply to --action ${options.action}`);
    }
  }
  for (const flag of spec.required ?? []) {
    if (options[flag] === undefined) throw new UsageError(`--action ${options.action} needs ${FLAG_NAMES[flag]}`);
  }
  if (options.format && !spec.formats.includes(options.format)) {
    throw new UsageError(`--action ${options.action} supports --format ${spec.formats.join('|')}, not ${options.format}`);
  }
  // Files the run would fail on at its end (--out) or after starting the sandbox (--plan): refused before anything starts.
  if (options.out && !isDirectory(dirname(resolve(io.cwd, options.out)))) {
    throw new UsageError(`--out ${options.out}: the folder ${dirname(options.out)} does not exist`);
  }
  if (options.plan && !isFile(resolve(io.cwd, options.plan))) throw new UsageError(`--plan ${options.plan}: no such file`);
}

export async function runCli(argv: readonly string[], io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const errors: string[] = [];
  const program = buildProgram(io, errors);
  const asked = flagValue(argv, '--action');
  if (asked && ACTIONS[asked] && argv.some((a) => a === '--help' || a === '-h')) {
    io.stdout.write(actionHelp(program, asked, ACTIONS[asked]));
    return ExitCode.ok;
  }
  let options: CliOptions;
  try {
    program.parse([...argv], { from: 'user' });
    options = program.opts<CliOptions>();
    checkFlags(program, options, io);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return ExitCode.ok;
    // The command line did not parse: the error is reported in the format it asks for, if that much can be read.
    const format = flagValue(argv, '--format');
    const failed = error instanceof CommanderError ? new UsageError(errors.join('; ') || error.message) : error;
    return reported(io, { action: asked, format: ['json', 'markdown'].includes(format ?? '') ? (format as Format) : undefined }, () => Promise.reject(failed));
  }
  // Every error ends here, whatever the action: the one writer reports it in the format asked for.
  return reported(io, options, async () => (await ACTIONS[options.action]!.load()).run(options, io, hooks));
}
