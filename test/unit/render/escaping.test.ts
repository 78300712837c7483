/**
 * Every `{{ value }}` lands as one encoded scalar (render/escaping.ts), and a rendered
 * template is read as CloudFormation reads it. The repository's templates are rendered with
 * hostile values (as if the schema had let them through) and must hold each one as a
 * scalar, in the same shape as with plain values, read alike by orgvend and by PyYAML.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCloudFormation, parseTemplate } from '../../../src/render/cfn-yaml.js';
import { templateContext, type TemplateContext } from '../../../src/render/context.js';
import { compileEncoding, encodeValue, encodingEnvironment } from '../../../src/render/escaping.js';
import { renderTemplates } from '../../../src/render/render.js';
import { resourceDiff } from '../../../src/plan/stacks.js';
import { desiredOf } from '../../helpers/dsl.js';
import { fixtureIds, REPO } from '../../helpers/render-fixture.js';
import { scratchRepo } from '../../helpers/repo.js';

/** Everything that could end a scalar, a comment or a line, or start markup; no letter or digit, so logical ids stay as they are. */
const SENTINEL = `"'\r\n\u0085\u2028\u2029\u001b[: #{{ }}\t|- ]}>&*\\\u202e`;

const render = (text: string, values: Record<string, unknown>) => compileEncoding(text, encodingEnvironment(), 't').render(values);

describe('encoding every {{ value }}', () => {
  it('writes strings as JSON strings with every line break and control character escaped', () => {
    expect(encodeValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(encodeValue('\r\n\t\u0000\u001b')).toBe('"\\r\\n\\t\\u0000\\u001b"');
    expect(encodeValue('\u007f\u0085\u009f\u2028\u2029\u202e\u2066')).toBe('"\\u007f\\u0085\\u009f\\u2028\\u2029\\u202e\\u2066"');
    expect([1, true, ['a', 'b'], { k: 'v' }].map(encodeValue)).toEqual(['1', 'true', '["a","b"]', '{"k":"v"}']);
  });

  it('encodes in loops, macros and captures alike; only | safe, macros and | pascal_case stay raw', () => {
    const values = { v: 'x\ry', list: ['a', 'b'] };
    expect(render('A: {{ v }}', values)).toBe('A: "x\\ry"');
    expect(render('{% for i in list %}- {{ i ~ v }}\n{% endfor %}', values)).toBe('- "ax\\ry"\n- "bx\\ry"\n');
    expect(render('{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(v) }}', values)).toBe('<"x\\ry">');
    expect(render('{% set c %}{{ v }}{% endset %}{{ c | length }}', values)).toBe('6');
    expect(render('{{ "orgvend" | safe }} {{ v | e }} {{ v | dump }} {{ list | json }}', values)).toBe('orgvend "x\\ry" "x\\ry" ["a","b"]');
    expect(render('Assume{{ "read-only/x.y" | pascal_case }} {{ v | pascal_case }}', values)).toBe('AssumeReadOnlyXY XY');
  });

  it('writes a template comment\'s value in quotes, so a carriage return cannot end the comment', () => {
    const text = render('Resources:\n  # {{ d }}\n  A:\n    Type: X\n', { d: 'desc\r  Injected:\r    Type: AWS::IAM::Role' });
    expect(text).not.toMatch(/\r/);
    expect(Object.keys(parseTemplate(text).Resources!)).toEqual(['A']);
  });
});

describe('reading a template as CloudFormation does', () => {
  const hidden = (br: string) => `Resources:\n  # The foo image.${br}  Injected:${br}    Type: AWS::IAM::Role\n  Repo:\n    Type: AWS::ECR::Repository\n`;

  it.each([['CR', '\r'], ['NEL', '\u0085'], ['U+2028', '\u2028'], ['U+2029', '\u2029']])(
    'shows the resource a %s in a comment hides from YAML 1.2, as CloudFormation would create it',
    (_, br) => {
      expect(Object.keys(parseTemplate(hidden(br)).Resources!).sort()).toEqual(['Injected', 'Repo']);
      expect(resourceDiff('Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n', hidden(br))).toEqual(['+Injected AWS::IAM::Role']);
    },
  );

  it('refuses a rendered template that holds a line break other than LF, at its line, and renders nothing of it', async () => {
    const repo = scratchRepo({ 'templates/ecr.yml.njk': 'Resources:\n  # {{ "ok" }}\r  Injected:\r    Type: AWS::IAM::Role\n' });
    const { templates, diagnostics } = await renderTemplates(repo, templateContext(desiredOf(), new Map()));
    expect(templates).toEqual([]);
    expect(diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`)).toEqual([
      'template-control-character ecr.yml (rendered from templates/ecr.yml.njk):2:9 the rendered text holds U+000D (carriage return), which CloudFormation would read as a line break or refuse; only LF and TAB may appear',
    ]);
  });
});

/** A DSL that makes every template of the repository render. */
function fullContext(): TemplateContext {
  const desired = desiredOf([
    [['organization', 'identity_account'], 'dns'],
    [['organization', 'logs_account'], 'dns'],
    [['scopes', 'dev', 'access'], { all: ['Admin'], 'read-only': ['ReadOnly', 'Developer'] }],
    [['accounts', 'foo', 'use_cfr'], true],
    [['accounts', 'foo', 'tags'], { team: 'foo' }],
    [
      ['ecr_repositories', 0],
      {
        name: 'team/foo-image',
        description: 'The foo image.',
        lifecycle: [
          { tag_status: 'tagged', tag_prefixes: ['dev-'], expire_after_days: 7, description: 'dev builds' },
          { tag_status: 'any', keep_count: 50 },
        ],
        pull: [{ services: ['foo'] }],
      },
    ],
  ]);
  return templateContext(desired, fixtureIds(desired.accounts.map((a) => a.name), []));
}

/** `context` with SENTINEL after every string value and every access level and tag key: what no schema would let through. */
function hostile(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return key === 'tag_status' ? value : `${value}${SENTINEL}`;
  if (Array.isArray(value)) return value.map((v) => hostile(v));
  if (value === null || typeof value !== 'object') return value;
  const renameKeys = key === 'access' || key === 'tags';
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [renameKeys ? `${k}${SENTINEL}` : k, hostile(v, k)]));
}

/** The parsed template with every string a placeholder: what a value could change if it broke out of its scalar. */
function shape(value: unknown): unknown {
  if (typeof value === 'string') return 's';
  if (Array.isArray(value)) return value.map(shape);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
}

const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(strings) : value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]) : [];

/** The template as PyYAML (CloudFormation's kind of parser: cfn-lint, moto) reads it, short tags in long form. */
function pyYaml(text: string): unknown {
  const script = [
    'import json, sys, yaml',
    'class Loader(yaml.SafeLoader): pass',
    'def tag(loader, suffix, node):',
    '    value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node, deep=True) if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node, deep=True)',
    '    return {suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix: value}',
    'Loader.add_multi_constructor("!", tag)',
    'print(json.dumps(yaml.load(sys.stdin.buffer.read().decode("utf-8"), Loader)))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' }));
}

describe('the repository\'s templates, rendered with hostile values', () => {
  it('hold every value as a scalar: the same keys, lists and resources as with plain values, read alike by PyYAML', async () => {
    const context = fullContext();
    const plain = await renderTemplates(REPO, context);
    const attacked = await renderTemplates(REPO, hostile(context) as TemplateContext);
    expect(plain.diagnostics).toEqual([]);
    expect(attacked.diagnostics).toEqual([]);
    expect(attacked.templates.map((t) => t.source)).toEqual(plain.templates.map((t) => t.source));
    expect(new Set(plain.templates.map((t) => t.source))).toEqual(new Set(['templates/ecr-repositories.yml.njk', 'templates/log-buckets.yml.njk', 'templates/account/identity-iam-mapping.yml.njk', 'templates/account/vpc.yml.njk']));

    attacked.templates.forEach((t, i) => {
      const doc = parseCloudFormation(t.text);
      expect(doc.errors, t.output).toEqual([]);
      const parsed = doc.toJS();
      expect(shape(parsed), t.output).toEqual(shape(parseTemplate(plain.templates[i]!.text)));
      expect(strings(parsed).some((s) => s.includes(SENTINEL)), `${t.output} holds the values`).toBe(true);
      expect(JSON.parse(JSON.stringify(parsed)), `${t.output} as PyYAML reads it`).toEqual(pyYaml(t.text));
    });
  });
});
