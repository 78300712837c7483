/**
 * validate parses a skeleton once for all the renders that share it (render/skeleton.ts).
 * Whatever the values, it must report exactly what parsing each render reports: every
 * place a value can land, each rendered with values that would break the text around them
 * there, checked against parseProblems of each render.
 */
import { describe, expect, it } from 'vitest';
import { compileEncoding, encodingEnvironment } from '../../../src/render/escaping.js';
import { parseProblems, renderedProblems } from '../../../src/render/lint.js';
import type { RenderedTemplate } from '../../../src/render/render.js';
import { skeletonHolds, skeletonOf } from '../../../src/render/skeleton.js';

/** A template rendered for each value, as renderTemplates renders. */
function rendersOf(source: string, values: unknown[]): RenderedTemplate[] {
  const template = compileEncoding(source, encodingEnvironment(), 't.yml.njk');
  return values.map((v, i) => ({ source: 't.yml.njk', output: `t/${i}.yml`, text: `${template.render({ v }).trimEnd()}\n`, sha256: '' }));
}

const display = (t: RenderedTemplate) => t.output;
const eachParsed = (templates: RenderedTemplate[]) => templates.flatMap((t) => parseProblems(display(t), t));

/** Strings that end or open something in YAML, repeat another key, are long enough to be refused as a key, or are no JSON string once written. */
const HOSTILE = ['plain', 'foo', '', 'a: b', 'c #d', "it's", 'q"uote', 'back\\slash', '[x', '{y}', '- z', '&a', '*a', '!Ref', '"', 'x'.repeat(1100), '😀', '\ud800', '\ufeff', '\u202e', '---', '...', '%YAML 1.1', '\\u0000', 'tab\there', '\u007f'];
const VALUES = [...HOSTILE, 1, 2.5, -3, true, false, ['foo', 'bar'], { foo: 'a: b' }];

/** Every place a value can land, and strings the template writes itself. */
const PLACES: Record<string, string> = {
  'a whole value': 'Key: {{ v }}\nOther: 1\n',
  'a sequence item': 'List:\n  - {{ v }}\n  - b\n',
  'a flow sequence item': 'List: [{{ v }}, b]\n',
  'a flow mapping value': 'Map: { a: {{ v }}, b: 1 }\n',
  'a key': '{{ v }}: 1\nfoo: 2\n',
  'a flow mapping key': 'Map: { {{ v }}: 1, "foo": 2 }\n',
  'inside a complex key': '? [{{ v }}]\n: 1\n? ["foo"]\n: 2\n',
  'a short-tagged value': 'Key: !Sub {{ v }}\nOther: !Ref {{ v }}\n',
  'inside short-tagged collections': 'Key: !Select [0, !GetAZs {{ v }}]\nOther: !Join ["", [{{ v }}, "x"]]\nIf: !If [c, { a: {{ v }} }, !Ref AWS::NoValue]\n',
  'a value with a core tag': 'Key: !!int {{ v }}\n',
  'inside a plain scalar': 'Key: prefix-{{ v }}\n',
  'inside a single-quoted scalar': "Key: '{{ v }}'\n",
  'inside a double-quoted scalar': 'Key: "a {{ v }} b"\n',
  'a comment': '# about {{ v }} here\nKey: 1 # and {{ v }}\n',
  'a literal block': 'Key: |\n  line {{ v }}\n  {{ v }} starts\n',
  'a folded block': 'Key: >-\n  folded {{ v }}\n',
  'a block header': 'Key: >- {{ v }}\n  text\n',
  'an anchored value and its alias': 'A: &x {{ v }}\nB:\n  *x : 1\n  foo: 2\n',
  'after a quoted value': 'Key: {{ v }} trailing\n',
  'the whole document': '{{ v }}\n',
  'after a document start': '--- {{ v }}\n',
  'a flow sequence over lines': 'List: [\n  {{ v }},\n  {{ v }}\n]\n',
  "beside the template's own YAML escapes": 'A: "\\x41 \\e"\nB: {{ v }}\nC: "\\/"\n',
  "beside the template's own invalid escape": 'A: "\\q"\nB: {{ v }}\n',
  "beside the template's own quotes in single quotes": 'A: \'say "hi" and "bye"\'\nB: {{ v }}\n',
  'as part of a string the template writes': 'A: "pre{{ v | safe }}post"\nB: 1\n',
};

describe('renderedProblems', () => {
  for (const [place, source] of Object.entries(PLACES)) {
    it(`reports what parsing each render reports, for a value landing as ${place}`, () => {
      const renders = rendersOf(source, VALUES);
      // All at once (the renders share skeletons), and each alone.
      expect(renderedProblems(renders, display)).toEqual(eachParsed(renders));
      for (const render of renders) expect(renderedProblems([render], display)).toEqual(eachParsed([render]));
    });
  }

  it('finds the one render of many that does not parse', () => {
    const renders = rendersOf('Key: prefix-{{ v }}\n', ['a', 'b', 'c: d', 'e']);
    const problems = renderedProblems(renders, display);
    expect(problems.map((p) => p.file)).toEqual(['t/2.yml']);
    expect(problems[0]!.code).toBe('template-invalid');
  });
});

describe('a skeleton', () => {
  const holds = (source: string, v: unknown = 'x') => {
    const { skeleton, holes } = skeletonOf(rendersOf(source, [v])[0]!.text);
    return skeletonHolds(skeleton, holes);
  };

  it('is the text with each JSON string written as "", the same for renders that differ only in strings', () => {
    const template = compileEncoding('Name: {{ v }}\nCount: {{ n }}\n', encodingEnvironment(), 't');
    const shape = (v: string) => skeletonOf(template.render({ v, n: 2 }));
    expect(shape('bar')).toEqual({ skeleton: 'Name: ""\nCount: 2\n', holes: [6] });
    expect(shape('a much "longer" name: with\nall \\ of it')).toEqual(shape('bar'));
    // Wherever it is: a hole that is no place for one leaves the text to be parsed itself.
    expect(skeletonOf('a: "x"\nb: \'"q"\'\n')).toEqual({ skeleton: 'a: ""\nb: \'""\'\n', holes: [3, 10] });
  });

  it('vouches for strings that are whole values, in comments or in block scalars', () => {
    for (const place of ['a whole value', 'a flow sequence item', 'a short-tagged value', 'inside short-tagged collections', 'a comment', 'a literal block', 'a folded block', "beside the template's own YAML escapes"]) {
      expect(holds(PLACES[place]!), place).toBe(true);
    }
  });

  it('vouches for nothing where a string could change the text around it, or repeat a key', () => {
    for (const place of ['a key', 'a flow mapping key', 'inside a complex key', 'a value with a core tag', 'inside a plain scalar', 'inside a single-quoted scalar', 'a block header', 'an anchored value and its alias', 'after a quoted value', "beside the template's own quotes in single quotes"]) {
      expect(holds(PLACES[place]!), place).toBe(false);
    }
  });
});
