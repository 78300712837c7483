/**
 * Checks of rendered templates: that each parses as YAML as CloudFormation reads it (1.1,
 * its line breaks, its short tags), and cfn-lint over all of them in one process, every error and warning a
 * diagnostic on the rendered file with the rule and its line.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cloudFormationLines, parseCloudFormation } from './cfn-yaml.js';
import { fileDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import type { RenderedTemplate } from './render.js';
import { skeletonHolds, skeletonOf } from './skeleton.js';

const CFN_LINT_HINT = "cfn-lint is not installed: run  python3 -m pip install cfn-lint";

/** `file:line:column:endLine:endColumn:rule:message`, as `--format parseable` prints. */
const FINDING = /^(.+?):(\d+):(\d+):\d+:\d+:([EWI]\d+):(.*)$/;

export async function cfnLint(files: readonly string[], display: (file: string) => string = (f) => f): Promise<Diagnostic[]> {
  if (!files.length) return [];
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
    if (!texts.has(file!)) texts.set(file!, await readFile(file!, 'utf8'));
    diagnostics.push(fileDiagnostic(display(file!), texts.get(file!)!, 'template-lint', `cfn-lint ${rule}: ${message!.trim()}`, { line: Number(line), column: Number(column) }));
  }
  return diagnostics;
}

export function parseProblems(file: string, t: RenderedTemplate): Diagnostic[] {
  const doc = parseCloudFormation(t.text, { prettyErrors: true });
  return doc.errors.map((e) =>
    fileDiagnostic(file, cloudFormationLines(t.text), 'template-invalid', `the rendered template is not valid YAML: ${e.message.split('\n')[0]}`, { line: e.linePos?.[0]?.line ?? 1, column: e.linePos?.[0]?.col ?? 1 }),
  );
}

/**
 * parseProblems of each template, shown as `display` names it. A template rendered with
 * `{ marked: true }` is parsed through its skeleton (render/skeleton.ts), once for all the
 * renders that share it; its own text only when the skeleton cannot vouch for it. A
 * skeleton is checked from its second render on: the first is parsed itself, which costs
 * less when it stays alone (a top-level template, an account's own customization).
 */
export function renderedProblems(templates: readonly RenderedTemplate[], display: (t: RenderedTemplate) => string): Diagnostic[] {
  // Skeleton → its holes → whether it holds (undefined: seen once, not checked yet).
  const holds = new Map<string, Map<string, boolean | undefined>>();
  return templates.flatMap((t) => {
    const shape = t.marked === undefined ? undefined : skeletonOf(t.marked, t.text);
    if (shape) {
      const byHoles = holds.get(shape.skeleton) ?? holds.set(shape.skeleton, new Map()).get(shape.skeleton)!;
      const holes = shape.holes.join(',');
      if (byHoles.has(holes)) {
        let vouched = byHoles.get(holes);
        if (vouched === undefined) byHoles.set(holes, (vouched = skeletonHolds(shape.skeleton, shape.holes)));
        if (vouched) return [];
      } else byHoles.set(holes, undefined);
    }
    return parseProblems(display(t), t);
  });
}
