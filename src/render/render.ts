/**
 * templates/*.njk → CloudFormation under build/templates/: once with the whole
 * organization, and templates/account/*.njk once per account (an account for which a
 * template renders to nothing, a VPC where create_vpc is false, gets no file). nunjucks,
 * every `{{ value }}` encoded as a quoted scalar (escaping.ts), and strict: a name the
 * context does not have is an error naming the template, the line and the name, never an
 * empty string in a template. A rendered template holding a line break other than LF, or
 * another control character but TAB, is refused: CloudFormation's YAML 1.1 would not read
 * its lines as orgvend's parser does.
 */
import { join } from 'node:path';
import type nunjucks from 'nunjucks';
import { fileDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { MAX_TEMPLATE_BYTES } from '../config/input-limits.js';
import { readInput } from '../config/read-input.js';
import { didYouMean } from '../config/suggest.js';
import { BOOTSTRAP_TEMPLATE } from '../bootstrap/template-name.js';
import { sha256Hex } from '../plan/digest.js';
import type { Desired } from '../config/resolve.js';
import { InputError } from '../errors.js';
import { templateContext, type TemplateContext } from './context.js';
import { PER_ACCOUNT_DIR, TEMPLATES_DIR, headerTarget, isBuiltInPerAccount, resourceProblems, stemOf, templateFiles, templateNameProblem, type HeaderTarget } from './customizations.js';
import { compileEncoding, controlCharacterIn, encodingEnvironment } from './escaping.js';
import { firstUse, strict, strictValues, type Undefined } from './strict-context.js';

export const OUTPUT_DIR = join('build', 'templates');

export interface RenderedTemplate {
  /** The template, relative to the repository: `templates/account/vpc.yml.njk`. */
  source: string;
  /** Where it is written, relative to build/templates/: `vpc/foo.yml`. */
  output: string;
  /** The DSL name of the account it was rendered for (per-account templates). */
  account?: string;
  /** A top-level template of the team's: the account (and region) its header names, where it is deployed as orgvend-<name>. */
  deployTo?: HeaderTarget;
  text: string;
  sha256: string;
}

export interface RenderResult {
  /** Every template file rendered, whether it gave files or not. */
  sources: string[];
  templates: RenderedTemplate[];
  diagnostics: Diagnostic[];
}

/** Where the error is and what is missing, from nunjucks' message and the template's text. */
function renderDiagnostic(file: string, text: string, error: unknown, context: TemplateContext, missing: Undefined | undefined): Diagnostic {
  const lines = text.split('\n');
  const message = (error as Error).message ?? String(error);
  const at = /\[Line (\d+), Column (\d+)\]/.exec(message);
  let line = at ? Number(at[1]) : 1;
  let column = at ? Number(at[2]) : 1;
  let what = message.replace(/^\([^)]*\)\s*(\[Line \d+, Column \d+\])?\s*/, '').replace(/^Error: /, '').trim();
  let hint: string | undefined;
  if (missing && message.includes(missing.message)) {
    const use = firstUse(text, missing);
    if (use) ({ line, column } = use);
    what = `${missing.path} is undefined`;
    hint = didYouMean(missing.key, missing.available);
  } else if (what.startsWith('attempted to output null or undefined value')) {
    // An undefined top-level name, or a null value printed as is.
    const expression = /^\{\{-?\s*([^}|]+?)\s*(\|[^}]*)?-?\}\}/.exec(lines[line - 1]?.slice(column - 1) ?? '')?.[1];
    const name = expression?.split(/[.[]/)[0];
    what = expression && name && !(name in context) ? `${name} is undefined` : `${expression ?? 'the value'} is null or undefined and cannot be printed`;
    hint = name && !(name in context) ? didYouMean(name, Object.keys(context)) : 'guard it with {% if … %} or give it a default: {{ x | default("") }}';
  }
  return fileDiagnostic(file, text, 'template-render', `cannot render the template: ${what}`, { line, column }, hint ?? `the variables are ${Object.keys(context).join(', ')}`);
}

export async function renderTemplates(repoDir: string, context: TemplateContext): Promise<RenderResult> {
  const env = encodingEnvironment();
  const root = join(repoDir, TEMPLATES_DIR);
  const jobs: { source: string; output: string; account?: TemplateContext['accounts'][number]; customization?: Record<string, unknown> }[] = [];
  // bootstrap.yml.njk is bootstrap's, rendered by it for each account that carries the stack.
  for (const name of templateFiles(root).filter((n) => n !== BOOTSTRAP_TEMPLATE)) {
    jobs.push({ source: `${TEMPLATES_DIR}/${name}`, output: name.replace(/\.njk$/, '') });
  }
  const diagnostics: Diagnostic[] = [];
  for (const name of templateFiles(join(root, PER_ACCOUNT_DIR))) {
    const base = name.replace(/\.njk$/, '');
    const stem = stemOf(base);
    const source = `${TEMPLATES_DIR}/${PER_ACCOUNT_DIR}/${name}`;
    // orgvend's own for every account; the team's (customizations) for the accounts that select them, with their parameters.
    const builtIn = isBuiltInPerAccount(stem);
    const misnamed = !builtIn && templateNameProblem(source, '', stem);
    if (misnamed) {
      diagnostics.push(misnamed);
      continue;
    }
    for (const account of context.accounts) {
      const customization = builtIn ? undefined : account.customizations[stem];
      if (!builtIn && customization === undefined) continue;
      jobs.push({ source, output: `${stem}/${account.name}${base.slice(stem.length)}`, account, ...(customization ? { customization } : {}) });
    }
  }

  // Made strict once: per-account renders share it, so 5,000 accounts cost 5,000 renders, not 5,000 copies.
  const seen: { missing?: Undefined } = {};
  const values = strictValues(context, seen);
  const strictAccounts = new Map(context.accounts.map((a) => [a.name, strict(a, 'account', seen)]));
  const sources = new Map<string, string>();
  const compiled = new Map<string, nunjucks.Template>();
  const templates: RenderedTemplate[] = [];
  const allowed = context.organization.customizations.allowed_resource_types;
  // The accounts a role of the team's may trust: the organization's, as far as they exist.
  const org = context.organization;
  const trusted = new Set([org.management_account_id, org.cicd_account_id, org.audit_account_id, org.delegated_admin_account_id, ...context.created_accounts.map((a) => a.id)].filter((id): id is string => Boolean(id)));
  const failed = new Set<string>();
  for (const job of jobs) {
    if (failed.has(job.source)) continue;
    let text = sources.get(job.source);
    if (text === undefined) {
      const read = readInput(join(repoDir, job.source), job.source, MAX_TEMPLATE_BYTES);
      if (read.diagnostic) {
        diagnostics.push(read.diagnostic);
        failed.add(job.source);
        continue;
      }
      sources.set(job.source, (text = read.text));
    }
    // A top-level template of the team's says in its header where it goes.
    const header = job.account || isBuiltInPerAccount(stemOf(job.output)) ? {} : headerTarget(job.source, text, context);
    if (header.diagnostic) {
      diagnostics.push(header.diagnostic);
      failed.add(job.source);
      continue;
    }
    seen.missing = undefined;
    let rendered: string;
    try {
      // Compiled once per file (eagerly, so a syntax error is reported like any other), rendered per account.
      let template = compiled.get(job.source);
      if (!template) compiled.set(job.source, (template = compileEncoding(text, env, job.source)));
      // nunjucks copies the top level, so a name missing there is caught by throwOnUndefined instead.
      const customization = job.customization && { customization: strict(job.customization, 'customization', seen) };
      rendered = template.render(job.account ? { ...values, account: strictAccounts.get(job.account.name), ...customization } : values);
    } catch (error) {
      const customization = job.customization && { customization: job.customization };
      diagnostics.push(renderDiagnostic(job.source, text, error, job.account ? { ...context, account: job.account, ...customization } : context, seen.missing));
      failed.add(job.source);
      continue;
    }
    if (!rendered.trim()) continue;
    const body = `${rendered.trimEnd()}\n`;
    const control = controlCharacterIn(body);
    if (control) {
      diagnostics.push(fileDiagnostic(`${job.output} (rendered from ${job.source})`, body, 'template-control-character', control.message, control, 'write values as {{ value }}, which encodes them; keep such characters out of the template itself'));
      failed.add(job.source);
      continue;
    }
    const refused = job.customization || header.target ? resourceProblems(job.source, text, body, allowed, trusted) : [];
    if (refused.length) {
      diagnostics.push(...refused);
      failed.add(job.source);
      continue;
    }
    templates.push({ source: job.source, output: job.output, ...(job.account ? { account: job.account.name } : {}), ...(header.target ? { deployTo: header.target } : {}), text: body, sha256: sha256Hex(body) });
  }
  return { sources: [...sources.keys()], templates, diagnostics };
}

/**
 * templates/ rendered for `desired` with the ids of the accounts that exist (as the
 * organization was read, and its id): a template that does not render stops the run with its
 * diagnostics (exit 65). For render-templates and sync-accounts alike.
 */
export async function renderWithIds(repoDir: string, desired: Desired, ids: ReadonlyMap<string, string>, organizationId: string): Promise<{ context: TemplateContext; templates: RenderedTemplate[] }> {
  const context = templateContext(desired, ids, organizationId);
  const { templates, diagnostics } = await renderTemplates(repoDir, context);
  if (diagnostics.length) throw new InputError(diagnostics);
  return { context, templates };
}
