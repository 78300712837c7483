import { describe, expect, it } from 'vitest';
import { templateContext } from '../../../src/render/context.js';
import { renderTemplates } from '../../../src/render/render.js';
import { desiredOf } from '../../helpers/dsl.js';
import { scratchRepo } from '../../helpers/repo.js';

const desired = desiredOf();
const context = templateContext(desired, new Map([['foo', '500000000001']]));
const render = (files: Record<string, string>) => renderTemplates(scratchRepo(files), context);
const problems = async (files: Record<string, string>) => (await render(files)).diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}${d.hint ? ` (${d.hint})` : ''}`);

describe('render-templates', () => {
  it('renders top-level templates once and templates/account/ once per account, skipping empty output and bootstrap', async () => {
    const { templates, diagnostics } = await render({
      'templates/bootstrap.yml.njk': '{{ not_rendered_here }}',
      'templates/accounts.yml.njk': 'Accounts: [{% for a in accounts %}{{ a.name ~ "=" ~ (a.id or "none") }}{% if not loop.last %},{% endif %}{% endfor %}]\n',
      'templates/account/vpc.yml.njk': '{% if account.create_vpc %}Vpc: {{ account.name ~ " in " ~ account.region }}{% endif %}',
    });
    expect(diagnostics).toEqual([]);
    expect(templates.map((t) => [t.source, t.output, t.account, t.text])).toEqual([
      ['templates/accounts.yml.njk', 'accounts.yml', undefined, 'Accounts: ["dns=none","foo=500000000001"]\n'],
      ['templates/account/vpc.yml.njk', 'vpc/foo.yml', 'foo', 'Vpc: "foo in us-east-1"\n'],
    ]);
    expect(templates[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the template, the line and the missing key, with a suggestion', async () => {
    expect(await problems({ 'templates/a.yml.njk': 'A: 1\n{% for a in accounts %}\nB: {{ a.nmae }}\n{% endfor %}\n' })).toEqual([
      'templates/a.yml.njk:3:9 cannot render the template: accounts[0].nmae is undefined (did you mean "name"?)',
    ]);
  });

  it('catches a misspelt key in a condition, which nunjucks alone would treat as false', async () => {
    expect(await problems({ 'templates/account/vpc.yml.njk': '{% if account.create_vcp %}x{% endif %}' })).toEqual([
      'templates/account/vpc.yml.njk:1:15 cannot render the template: account.create_vcp is undefined (did you mean "create_vpc"?)',
    ]);
  });

  it('names an undefined top-level variable, and a null printed as is', async () => {
    expect(await problems({ 'templates/a.yml.njk': 'A: 1\nB: {{ acounts }}\n' })).toEqual([
      'templates/a.yml.njk:2:4 cannot render the template: acounts is undefined (did you mean "accounts"?)',
    ]);
    expect(await problems({ 'templates/account/vpc.yml.njk': 'Id: {{ account.id }}\n' })).toEqual([
      expect.stringMatching(/^templates\/account\/vpc\.yml\.njk:1:5 cannot render the template: account\.id is null or undefined and cannot be printed/),
    ]);
  });

  it('reports a template once, not once per account', async () => {
    expect(await problems({ 'templates/account/vpc.yml.njk': '{{ account.nope }}' })).toHaveLength(1);
  });
});

describe('render-templates syntax', () => {
  it('reports a template that does not parse with its line, once', async () => {
    expect(await problems({ 'templates/account/vpc.yml.njk': 'A: 1\n{% if account.create_vpc %}\nB: 2\n' })).toEqual([
      expect.stringMatching(/^templates\/account\/vpc\.yml\.njk:\d+:\d+ cannot render the template: .*(endif|end of file)/i),
    ]);
  });
});
