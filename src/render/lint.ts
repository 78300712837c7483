/**
 * Checks of rendered templates: that each parses as YAML as CloudFormation reads it (1.1,
 * its line breaks, its short tags), and cfn-lint over all of them in one process, every error and warning a
 * diagnostic on the rendered file with the rule and its line. That a text parses, and
 * whether a skeleton vouches for its renders, are kept between runs where the CLI keeps such
 * results (run-cache.ts); a text that does not parse is parsed on every run, for its errors.
 */
import { readFileSync } from 'node:fs';
import { cloudFormationLines, parseCloudFormation } from './cfn-yaml.js';
import { fileDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import type { RenderedTemplate } from './render.js';
import { cached } from '../run-cache.js';
import { skeletonHolds, skeletonOf } from './skeleton.js';

const CFN_LINT_HINT = "cfn-lint is not installed: run  python3 -m pip install cfn-lint";

/** `file:line:column:endLine:endColumn:rule:message`, as `--format parseable` prints. */
const FINDING = /^(.+?):(\d+):(\d+):\d+:\d+:([EWI]\d+):(.*)$/;

export async function cfnLint(files: readonly string[], display: (file: string) => string = (f) => f): Promise<Diagnostic[]> {
  if (!files.length) return [];
  // Loaded here: validate checks renders with this module and starts no process.
  const { execFile } = await import('node:child_process');
  const output = await new Promise<string>((resolve, reject) => {
    execFile('cfn-lint', ['--format', 'parseable', '--', ...files], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(CFN_LINT_HINT));
      // cfn-lint exits non-zero when it finds something; a crash prints no findings.
      if (error && !FINDING.test(stdout.split('\n')[0] ?? '')) return reject(new Error(`cfn-lint failed: ${stderr.trim() || error.message}`));
      resolve(stdout);
    });
  });
  const texts = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const finding of output.split('\n').map((l) => FINDING.exec(l)).filter((m) => m !== null)) {
    const [, file, line, column, rule, message] = finding;
    if (rule!.startsWith('I')) continue;
    if (!texts.has(file!)) texts.set(file!, readFileSync(file!, 'utf8'));
    diagnostics.push(fileDiagnostic(display(file!), texts.get(file!)!, 'template-lint', `cfn-lint ${rule}: ${message!.trim()}`, { line: Number(line), column: Number(column) }));
  }
  return diagnostics;
}

export function parseProblems(file: string, t: RenderedTemplate): Diagnostic[] {
  let errors: ReturnType<typeof parseCloudFormation>['errors'] = [];
  cached(['rendered template parses', t.text], () => {
    errors = parseCloudFormation(t.text, { prettyErrors: true }).errors;
    return errors.length ? undefined : 'parses';
  });
  return errors.map((e) =>
    fileDiagnostic(file, cloudFormationLines(t.text), 'template-invalid', `the rendered template is not valid YAML: ${e.message.split('\n')[0]}`, { line: e.linePos?.[0]?.line ?? 1, column: e.linePos?.[0]?.col ?? 1 }),
  );
}

/** How many templates of one skeleton are parsed themselves before the skeleton is checked (it costs ~3 parses). */
const PARSED_BEFORE_CHECK = 2;

/**
 * parseProblems of each template, shown as `display` names it, through their skeletons
 * (render/skeleton.ts): a skeleton is checked once for all the templates that share it, a
 * template parsed itself only when its skeleton cannot vouch for it. The first templates
 * of a skeleton are parsed themselves, which costs less when they stay few (a top-level
 * template, an account's own customization, a small organization).
 */
export function renderedProblems(templates: readonly RenderedTemplate[], display: (t: RenderedTemplate) => string): Diagnostic[] {
  // Skeleton → its holes → whether it holds, or how many of its templates were parsed so far.
  const holds = new Map<string, Map<string, boolean | number>>();
  return templates.flatMap((t) => {
    const { skeleton, holes } = skeletonOf(t.text);
    const byHoles = holds.get(skeleton) ?? holds.set(skeleton, new Map()).get(skeleton)!;
    const key = holes.join(',');
    const state = byHoles.get(key) ?? 0;
    if (typeof state === 'number' && state < PARSED_BEFORE_CHECK) byHoles.set(key, state + 1);
    else {
      const vouched = typeof state === 'boolean' ? state : cached(['skeleton holds', skeleton, key], () => String(skeletonHolds(skeleton, holes))) === 'true';
      byHoles.set(key, vouched);
      if (vouched) return [];
    }
    return parseProblems(display(t), t);
  });
}
