/**
 * validate parses a skeleton once for all the renders that share it (render/skeleton.ts).
 * Whatever the values, it must report exactly what parsing each render reports: every
 * place a value can land, each rendered with values that would break the text around them
 * there, checked against parseProblems of each render.
 */
import { describe, expect, it } from 'vitest';
import { compileEncoding, encodingEnvironment, MARK_CLOSE, MARK_OPEN, renderMarked } from '../../../src/render/escaping.js';
import { parseProblems, renderedProblems } from '../../../src/render/lint.js';
import type { RenderedTemplate } from '../../../src/render/render.js';
import { skeletonHolds, skeletonOf } from '../../../src/render/skeleton.js';

/** A template rendered for each value, as renderTemplates renders with `{ marked: true }`. */
function rendersOf(source: string, values: unknown[]): RenderedTemplate[] {
  const template = compileEncoding(source, encodingEnvironment(), 't.yml.njk');
  return values.map((v, i) => ({
    source: 't.yml.njk',
    output: `t/${i}.yml`,
    text: `${template.render({ v }).trimEnd()}\n`,
    sha256: '',
    marked: `${renderMarked(template, { v }).trimEnd()}\n`,
  }));
}

const display = (t: RenderedTemplate) => t.output;
const eachParsed = (templates: RenderedTemplate[]) => templates.flatMap((t) => parseProblems(display(t), t));

/** Strings that end or open something in YAML, repeat another key, or are long enough to be refused as a key. */
const HOSTILE = ['plain', 'foo', '', 'a: b', 'c #d', "it's", 'q"uote', 'back\\slash', '[x', '{y}', '- z', '&a', '*a', '!Ref', '"', 'x'.repeat(1100), '😀', '\ud800', '\ufeff', '---', '...', '%YAML 1.1', '\\u0000', 'tab\there', MARK_OPEN, MARK_CLOSE, `${MARK_OPEN}"${MARK_CLOSE}`];
const VALUES = [...HOSTILE, 1, 2.5, -3, true, false, ['foo', 'bar'], { foo: 'a: b' }];

/** Every place a value can land. */
const PLACES: Record<string, string> = {
  'a whole value': 'Key: {{ v }}\nOther: 1\n',
  'a sequence item': 'List:\n  - {{ v }}\n  - b\n',
  'a flow sequence item': 'List: [{{ v }}, b]\n',
  'a flow mapping value': 'Map: { a: {{ v }}, b: 1 }\n',
  'a key': '{{ v }}: 1\nfoo: 2\n',
  'a flow mapping key': 'Map: { {{ v }}: 1, "foo": 2 }\n',
  'inside a complex key': '? [{{ v }}]\n: 1\n? ["foo"]\n: 2\n',
  'a short-tagged value': 'Key: !Sub {{ v }}\nOther: !Ref {{ v }}\n',
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
  'a template that holds the marks itself': `# ${MARK_OPEN} ${MARK_CLOSE}\nKey: {{ v }}\n`,
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
  const shapeOf = (source: string, v: unknown) => {
    const [render] = rendersOf(source, [v]);
    return skeletonOf(render!.marked!, render!.text);
  };
  const holds = (source: string, v: unknown = 'x') => {
    const shape = shapeOf(source, v);
    return shape !== undefined && skeletonHolds(shape.skeleton, shape.holes);
  };

  it('is the render with each string written as "", the same for renders that differ only in strings', () => {
    const source = 'Name: {{ v }}\nCount: {{ n }}\n';
    const template = compileEncoding(source, encodingEnvironment(), 't');
    const shape = (v: string) => skeletonOf(renderMarked(template, { v, n: 2 }), template.render({ v, n: 2 }));
    expect(shape('bar')).toEqual({ skeleton: 'Name: ""\nCount: 2\n', holes: [6] });
    expect(shape('a much longer name')).toEqual(shape('bar'));
  });

  it('vouches for renders whose strings are whole values, in comments or in block scalars', () => {
    expect(holds(PLACES['a whole value']!)).toBe(true);
    expect(holds(PLACES['a flow sequence item']!)).toBe(true);
    expect(holds(PLACES['a short-tagged value']!)).toBe(true);
    expect(holds(PLACES['a comment']!)).toBe(true);
    expect(holds(PLACES['a literal block']!)).toBe(true);
    expect(holds(PLACES['a folded block']!)).toBe(true);
  });

  it('vouches for nothing where a string could change the text around it, or repeat a key', () => {
    for (const place of ['a key', 'a flow mapping key', 'inside a complex key', 'a value with a core tag', 'inside a plain scalar', 'inside a single-quoted scalar', 'inside a double-quoted scalar', 'a block header', 'an anchored value and its alias', 'after a quoted value']) {
      expect(holds(PLACES[place]!), place).toBe(false);
    }
  });

  it('is not taken when the marks do not pair, or the render without them is not the text', () => {
    expect(shapeOf(PLACES['a template that holds the marks itself']!, 'x')).toBeUndefined();
    expect(shapeOf(PLACES['a whole value']!, MARK_CLOSE)).toBeUndefined();
    expect(skeletonOf(`a: ${MARK_OPEN}"x"${MARK_CLOSE}\n`, 'a: "y"\n')).toBeUndefined();
    expect(skeletonOf(`a: ${MARK_OPEN}"x"${MARK_CLOSE}\n`, 'a: "x"\n')).toEqual({ skeleton: 'a: ""\n', holes: [3] });
  });
});
