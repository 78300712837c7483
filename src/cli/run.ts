/**
 * Commander wiring: parse the command line, check the flags against the chosen action,
 * run it, and turn every kind of failure into its message and exit code.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { didYouMean } from '../config/suggest.js';
import { CredentialsError, ExitCode, InputError, RequestError, UsageError } from '../errors.js';
import { diagnosticsJson, renderDiagnostics } from '../views/diagnostics.js';
import { style } from '../views/style.js';
import { ACTIONS } from './actions/index.js';
import { wantsColor, type Io } from './io.js';
import type { CliOptions, Flag } from './options.js';
import type { RuntimeHooks } from './runtime.js';

const FLAG_NAMES: Record<Flag, string> = {
  config: '--config',
  account: '--account',
  format: '--format',
  sandbox: '--sandbox',
  profile: '--profile',
  direct: '--direct',
  execute: '--execute',
  out: '--out',
  plan: '--plan',
  detailedExitcode: '--detailed-exitcode',
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
  return `\nActions:\n${rows.join('\n')}\n\nExit codes: 0 done, 1 failure, 2 changes pending (--detailed-exitcode), 64 bad command line, 65 invalid input.\n`;
}

function buildProgram(io: Io): Command {
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
    .addOption(new Option('--out <file>', 'save the plan as JSON, to apply later with --plan'))
    .addOption(new Option('--plan <file>', 'use a plan saved with --out; with --execute, apply it if the organization has not changed since'))
    .addOption(new Option('--detailed-exitcode', 'exit 2 when there are changes (for CI gates)'))
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
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
}

function checkFlags(program: Command, options: CliOptions): void {
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
}

export async function runCli(argv: readonly string[], io: Io, hooks: RuntimeHooks = {}): Promise<ExitCode> {
  const program = buildProgram(io);
  const usageHint = `Run ./run.sh --help for usage.\n`;
  let options: CliOptions;
  try {
    program.parse([...argv], { from: 'user' });
    options = program.opts<CliOptions>();
    checkFlags(program, options);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      io.stderr.write(usageHint); // commander has printed the error itself
      return ExitCode.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n${usageHint}`);
      return ExitCode.usage;
    }
    throw error;
  }

  try {
    const action = await ACTIONS[options.action]!.load();
    return await action.run(options, io, hooks);
  } catch (error) {
    if (error instanceof InputError) {
      if (options.format === 'json') io.stdout.write(`${JSON.stringify({ ok: false, ...diagnosticsJson(error.diagnostics) }, null, 2)}\n`);
      io.stderr.write(renderDiagnostics(error.diagnostics, style(wantsColor(io.stderr, io.env))));
      return ExitCode.invalidInput;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n${usageHint}`);
      return ExitCode.usage;
    }
    if (error instanceof CredentialsError) {
      if (options.format === 'json') io.stdout.write(`${JSON.stringify({ ok: false, error: { kind: 'credentials', reason: error.reason, message: error.line } }, null, 2)}\n`);
      io.stderr.write(`error: ${error.line}\n`);
      return ExitCode.failure;
    }
    // What a handler cannot do where it runs (the local emulator lacks an API): one line, no nonce.
    if (error instanceof RequestError && error.code === 'unsupported') {
      io.stderr.write(`${options.action}: ${error.detail}. Nothing was changed.\n`);
      return ExitCode.failure;
    }
    io.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    return ExitCode.failure;
  }
}
