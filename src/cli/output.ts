/**
 * The one writer of stdout. A run hands it what it has to say (plans, what was carried
 * out, whether it converged, a result of its own, the error that ended it), and it writes
 * that in the format asked for:
 *
 * - text: each part as it comes, errors on stderr;
 * - json: exactly one JSON document, written when the run ends, whatever ended it;
 * - markdown: one comment for a pull request, written when the run ends, under GitHub's
 *   65,536 characters, with the error that ended the run in it.
 *
 * Errors also go to stderr in every format, for the job log. Every error becomes a
 * Failure here, and nowhere else: its kind, its exit code and its line.
 */
import { CancelledError, CredentialsError, ExitCode, InputError, InterruptedError, LimitError, RequestError, UsageError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { renderDiagnostics } from '../views/diagnostics.js';
import { executionJson, renderExecution, renderExecutionMarkdown, type ExecutedChange } from '../views/execution.js';
import { failureJson, renderFailureMarkdown, type Failure } from '../views/failure.js';
import { inline } from '../views/markdown.js';
import { GITHUB_COMMENT_LIMIT, renderPlanMarkdown } from '../views/plan-markdown.js';
import { conflictCount, plain, planJson, renderPlanText } from '../views/plan.js';
import { style } from '../views/style.js';
import { wantsColor, type Io } from './io.js';
import type { CliOptions } from './options.js';

export const USAGE_HINT = 'Run ./run.sh --help for usage.';

type OutputOptions = Pick<CliOptions, 'format' | 'out'> & { action?: string };

/** A Failure for any error: orgvend's own kinds by class, any other error with a numeric `exitCode` by that, the rest exit 1. */
export function failureOf(error: unknown, action = 'orgvend'): Failure & { text: (s: ReturnType<typeof style>) => string } {
  const e = error instanceof Error ? error : new Error(String(error));
  // As it is: a message may end with lines of a log on purpose (the sandbox worker's).
  const line = (s: ReturnType<typeof style>) => `${s.red('error:')} ${e.message}\n`;
  if (e instanceof InputError) {
    return { exitCode: ExitCode.invalidInput, kind: 'invalid-input', message: e.message, diagnostics: e.diagnostics, text: (s) => renderDiagnostics(e.diagnostics, s) };
  }
  if (e instanceof UsageError) return { exitCode: ExitCode.usage, kind: 'usage', message: e.message, text: (s) => `${line(s)}${USAGE_HINT}\n` };
  if (e instanceof LimitError) {
    return { exitCode: ExitCode.failure, kind: 'limits', message: e.message, violations: e.violations, text: (s) => `${e.violations.map((v) => `${s.red('error:')} ${v}\n`).join('')}Nothing was changed.\n` };
  }
  if (e instanceof InterruptedError) return { exitCode: ExitCode.interrupted, kind: 'interrupted', message: e.message, text: line };
  if (e instanceof CredentialsError) return { exitCode: ExitCode.failure, kind: 'credentials', reason: e.reason, message: e.line, text: line };
  if (e instanceof CancelledError) return { exitCode: ExitCode.failure, kind: 'cancelled', message: e.message, text: (s) => `${s.yellow('Apply cancelled:')} ${e.message}\n` };
  const request = 'nonce' in e && 'type' in e ? { request: { type: String(e.type), nonce: String(e.nonce) } } : {};
  // What a handler cannot do where it runs (the local emulator lacks an API): one line, no nonce.
  if (e instanceof RequestError && e.code === 'unsupported') {
    const message = `${action}: ${e.detail}. Nothing was changed.`;
    return { exitCode: ExitCode.failure, kind: 'unsupported', message, ...request, text: () => `${message}\n` };
  }
  const declared = (e as unknown as { exitCode?: unknown }).exitCode;
  const exitCode = typeof declared === 'number' ? declared : ExitCode.failure;
  // TimeoutError → timeout, AwsError → aws, Error → error.
  const kind = e.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase() || 'error';
  return { exitCode, kind, message: e.message, ...request, text: line };
}

interface PlanPart {
  plan: Plan;
  followUp: boolean;
  executed?: { changes: ExecutedChange[]; ms: number };
}

export interface Outcome {
  converged: boolean;
  /** Changes a new plan still finds, and the conflicts left. */
  remaining: number;
  conflicts: string[];
  /** Changes of this run that failed: what the plan after them finds says nothing of what it could not read. */
  failed: number;
  /** A saved plan's follow-up: planned from what it made, never reviewed, so left for the next plan. */
  left?: Plan;
}

export class Output {
  private readonly parts: PlanPart[] = [];
  private outcome?: Outcome;
  private result?: { json: unknown; text: string };
  private failure?: Failure;
  private readonly format: NonNullable<CliOptions['format']>;

  constructor(
    private readonly io: Io,
    private readonly options: OutputOptions,
  ) {
    this.format = options.format ?? 'text';
  }

  private get out() {
    return style(wantsColor(this.io.stdout, this.io.env));
  }

  /** The plan of the run; `followUp`: planned from what the changes before it made. */
  plan(plan: Plan, followUp = false): void {
    this.parts.push({ plan, followUp });
    if (this.format !== 'text') return;
    if (followUp) this.io.stdout.write('\nFollow-up, planned from what the changes above made:\n');
    this.io.stdout.write(renderPlanText(plan, this.out));
  }

  /** What was done of the last plan. */
  execution(changes: ExecutedChange[], ms: number): void {
    const part = this.parts.at(-1);
    if (part) part.executed = { changes, ms };
    if (this.format === 'text') this.io.stdout.write(`\n${renderExecution(changes, ms, this.out)}`);
  }

  converged(outcome: Outcome): void {
    this.outcome = outcome;
    if (this.format !== 'text') return;
    const out = this.out;
    if (outcome.converged && outcome.left) return void this.io.stdout.write(`\n${out.bold('Applied:')} ${leftForNextPlan(outcome.left)}\n${renderPlanText(outcome.left, out)}`);
    if (outcome.converged) return void this.io.stdout.write(`${out.green('Converged:')} the organization matches the repository.\n`);
    this.io.stdout.write(`${out.red('Not converged:')} ${notConverged(outcome)}.\n`);
    for (const conflict of outcome.conflicts) this.io.stdout.write(`${out.red('error:')} ${plain(conflict)}\n`);
  }

  /** A result of an action's own (explain, ping, validate): its JSON document, and its text. */
  document(json: unknown, text: string): void {
    this.result = { json, text };
    if (this.format === 'text') this.io.stdout.write(text);
  }

  /** The error that ends the run: on stderr now, and in the document at the end. Its exit code. */
  fail(error: unknown): ExitCode {
    const failure = failureOf(error, this.options.action);
    this.failure = failure;
    this.io.stderr.write(failure.text(style(wantsColor(this.io.stderr, this.io.env))));
    return failure.exitCode as ExitCode;
  }

  /** The run ended with `code`: in json and markdown, the one document. */
  finish(code: number): void {
    if (this.format === 'json') this.io.stdout.write(`${JSON.stringify(this.json(code), null, 2)}\n`);
    if (this.format === 'markdown') this.io.stdout.write(this.markdown());
  }

  private json(code: number): unknown {
    const [main, followUp] = this.parts;
    const executed = (part: PlanPart) => (part.executed ? { execution: executionJson(part.executed.changes, part.executed.ms) } : {});
    const plans = main
      ? {
          ...executed(main),
          ...(followUp ? { follow_up: { ...followUp.plan, ...executed(followUp) } } : {}),
          ...(this.outcome ? { converged: this.outcome.converged, remaining_changes: this.outcome.remaining, remaining_conflicts: this.outcome.conflicts } : {}),
          ...(this.outcome?.left ? { left_for_next_plan: this.outcome.left } : {}),
        }
      : {};
    if (this.failure) return { ...failureJson(this.failure), ...(main ? { plan: main.plan } : {}), ...plans };
    if (this.result) return this.result.json;
    // A dry run's document is the plan as --out saves it, and how the run ended (exit 1 for
    // conflicts, 2 for changes with --detailed-exitcode); a run that carried it out adds what it did.
    if (main) return main.executed ? { ...main.plan, ...plans, ok: code === ExitCode.ok, exit_code: code } : { ...JSON.parse(planJson(main.plan)), ok: code !== ExitCode.failure, exit_code: code };
    return { ok: code === ExitCode.ok, exit_code: code };
  }

  private markdown(): string {
    const tail: string[] = [];
    if (this.outcome) {
      const { converged, left } = this.outcome;
      tail.push(converged && left ? `**Applied:** ${leftForNextPlan(left)}\n` : converged ? '**Converged:** the organization matches the repository.\n' : `**Not converged:** ${inline(notConverged(this.outcome))}.\n`);
    }
    if (this.failure) tail.push(renderFailureMarkdown(this.failure));
    const executions = this.parts.map((p) => (p.executed ? `${renderExecutionMarkdown(p.executed.changes, p.executed.ms)}` : ''));
    const fixed = [...tail, ...executions].join('\n').length + 400;
    const budget = Math.floor((GITHUB_COMMENT_LIMIT - fixed) / Math.max(1, this.parts.length));
    const fullPlanAt = `${this.options.out ? `${this.options.out} (--out), and ` : ''}the job log, where this run printed it as text`;
    const sections = this.parts.flatMap((part, i) => {
      const plan = renderPlanMarkdown(part.plan, { maxCharacters: budget, fullPlanAt });
      // What the comment leaves out is in the job log.
      if (plan.length < renderPlanMarkdown(part.plan, { maxCharacters: Infinity }).length) this.io.stderr.write(renderPlanText(part.plan, style(false)));
      return [part.followUp ? '**Follow-up, planned from what the changes above made:**\n' : '', plan, executions[i]!].filter(Boolean);
    });
    if (this.result && !this.parts.length) return this.result.text; // no action with a result of its own takes markdown
    if (!this.parts.length) sections.push(`### orgvend ${inline(this.options.action ?? '')}${this.failure ? ': failed' : ''}\n`);
    // Past the limit GitHub refuses the comment; the views keep under it, and this makes sure.
    return [...sections, ...tail].join('\n').slice(0, GITHUB_COMMENT_LIMIT);
  }
}

const leftForNextPlan = (left: Plan) =>
  `the saved plan was carried out. ${left.changes.length} change(s) planned from what it made were not in it, so they were not made: plan again, review and apply them.`;

const notConverged = (o: Outcome) =>
  [o.failed && `${o.failed} change(s) failed`, o.remaining && `${o.remaining} change(s) remain; run again to finish them`, o.conflicts.length && conflictCount(o.conflicts.length)].filter(Boolean).join('; ');

const outputs = new WeakMap<Io, Output>();

/**
 * The run's Output. `reported` makes a new one for the Io of each run, and every part of
 * the run that has something to say reaches that one through the same Io; so the
 * document is written once. (Outside `reported`, as in tests of one part, one is made.)
 */
export function outputOf(io: Io, options: OutputOptions): Output {
  let output = outputs.get(io);
  if (!output) outputs.set(io, (output = new Output(io, options)));
  return output;
}

/** Run `body` as one run: whatever ends it (its exit code, or any error) is reported by the run's Output, which then writes its document. */
export async function reported(io: Io, options: OutputOptions, body: () => Promise<ExitCode>): Promise<ExitCode> {
  const output = new Output(io, options);
  outputs.set(io, output);
  let code: ExitCode;
  try {
    code = await body();
  } catch (error) {
    code = output.fail(error);
  } finally {
    outputs.delete(io);
  }
  output.finish(code);
  return code;
}
