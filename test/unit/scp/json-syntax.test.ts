import { describe, expect, it } from 'vitest';
import { jsonSyntaxError, positionOf } from '../../../src/scp/json-syntax.js';

describe('jsonSyntaxError', () => {
  it('agrees with JSON.parse about what is valid', () => {
    const texts = [
      '{}', ' [ ] ', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\"y"]}', '"s"', '0', '{"a":{"b":[]}}\n',
      '{"a":1,}', '[1,]', '{a:1}', '{"a":01}', '{"a":1} x', '{"a":"\\x"}', '{"a":"\\u12"}', '', '[', '{"a" 1}', '{"a":tru}', '-', '1.', '{"a":"\t"}',
    ];
    for (const text of texts) {
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      expect(jsonSyntaxError(text) === undefined, text).toBe(parses);
    }
  });

  it('points at the offending character, or the end of the text when it ends early', () => {
    expect(jsonSyntaxError('{"a": 1,\n "b": x}')).toEqual({ offset: 15, message: 'expected a value (a string in double quotes, a number, true, false, null, an object or a list), found "x"' });
    const text = '{\n  "a": [1,\n';
    expect(positionOf(text, jsonSyntaxError(text)!.offset)).toEqual({ line: 3, column: 1 });
  });
});
