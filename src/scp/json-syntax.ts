/**
 * Where JSON that does not parse goes wrong. V8's JSON.parse names a position for some
 * faults and none for others ("Unexpected end of JSON input", "Unexpected token … is not
 * valid JSON"), so a policy's syntax error would land at 1:1. This scanner walks the text
 * as RFC 8259 reads it and stops at the first character that cannot be there; it is run
 * only after JSON.parse has failed.
 */

export interface JsonSyntaxError {
  /** Offset into the text of the offending character (the text's length at an early end). */
  offset: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const found = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const fail = (expected: string): never => {
    throw new Stop(i, `expected ${expected}, found ${found()}`);
  };
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const expect = (char: string, what: string) => {
    skip();
    if (text[i] !== char) fail(what);
    i++;
  };

  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail('a closing "');
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c < ' ') throw new Stop(i, `a line break or control character inside a string; write it as an escape such as \\n`);
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (next !== undefined && ESCAPES.has(next)) i += 2;
        else throw new Stop(i, `"\\${next ?? ''}" is not a JSON escape`);
      } else i++;
    }
  };

  const value = (): void => {
    skip();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) return void (i += word.length);
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    fail('a value (a string in double quotes, a number, true, false, null, an object or a list)');
  };

  const object = () => {
    i++;
    skip();
    if (text[i] === '}') return void i++;
    for (;;) {
      skip();
      if (text[i] !== '"') fail(text[i] === '}' ? 'another key after the comma (JSON allows no trailing comma)' : 'a key in double quotes');
      string();
      expect(':', '":" after the key');
      value();
      skip();
      if (text[i] === '}') return void i++;
      if (text[i] !== ',') fail('"," or "}"');
      i++;
    }
  };

  const array = () => {
    i++;
    skip();
    if (text[i] === ']') return void i++;
    for (;;) {
      skip();
      if (text[i] === ']') fail('another value after the comma (JSON allows no trailing comma)');
      value();
      skip();
      if (text[i] === ']') return void i++;
      if (text[i] !== ',') fail('"," or "]"');
      i++;
    }
  };

  try {
    value();
    skip();
    if (i < text.length) fail('nothing after the end of the document');
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return { offset: error.offset, message: error.message };
    throw error;
  }
}

/** Line and column (1-based) of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
