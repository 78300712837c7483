/**
 * An input file (accounts.yml, a policy, a template) as orgvend's parsers see it: at most
 * a given number of bytes, and UTF-8, or one diagnostic saying which limit it breaks, or
 * at which line and column the first byte that is not UTF-8 is. Nothing is replaced: a
 * byte Node would quietly read as U+FFFD is an error at its place.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Diagnostic } from './diagnostics.js';

export type InputText = { text: string; diagnostic?: undefined } | { text?: undefined; diagnostic: Diagnostic };

const CHUNK = 64 * 1024;

/** `bytes` as text, when there are at most `maxBytes` of them and they are UTF-8. */
export function decodeInput(file: string, bytes: Uint8Array, maxBytes: number): InputText {
  if (bytes.length > maxBytes) return { diagnostic: inputTooLarge(file, bytes.length, maxBytes) };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { diagnostic: notUtf8(file, bytes, firstInvalidUtf8(bytes) ?? { offset: 0, length: 1 }) };
  }
}

/**
 * The file at `path`, reported as `file`, read no further than `maxBytes` + 1 whatever its
 * size says (a file still growing, a device that never ends). Errors opening or reading
 * it are thrown, for the caller to word. Read synchronously: the CLI reads its repository
 * before anything else, and a small file read through libuv's thread pool costs a round
 * trip per step (open, stat, read, read, close) with nothing else to run meanwhile.
 */
export function readInput(path: string, file: string, maxBytes: number): InputText {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return { diagnostic: inputTooLarge(file, size, maxBytes) };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(CHUNK, size + 1), maxBytes + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { diagnostic: inputTooLarge(file, undefined, maxBytes) };
    }
    return decodeInput(file, Buffer.concat(chunks, total), maxBytes);
  } finally {
    closeSync(fd);
  }
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** `file` is over `maxBytes` (`bytes` long, when known). */
export function inputTooLarge(file: string, bytes: number | undefined, maxBytes: number): Diagnostic {
  return {
    code: 'input-too-large',
    severity: 'error',
    file,
    line: 1,
    column: 1,
    length: 1,
    path: '',
    message: `${file} is ${bytes === undefined ? 'larger than' : `${size(bytes)}, over`} the ${size(maxBytes)} orgvend reads of such a file`,
    expected: `at most ${maxBytes.toLocaleString('en')} bytes`,
    hint: 'check that this is the file you meant; the limits on input are listed in the README (accounts.yml, "Limits on input")',
  };
}

/**
 * The first bytes that are not a UTF-8 character, as TextDecoder's fatal mode refuses
 * them: a stray continuation byte, a lead byte that cannot start one (0xC0, 0xC1,
 * 0xF5–0xFF), a sequence cut short, an overlong form, a surrogate, or a code point past
 * U+10FFFF. Their offset, and how many bytes were read before it was plain (the lead byte
 * up to the byte that does not fit). undefined when every byte is in place.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; length: number } | undefined {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const more = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (more === 0) return { offset: i, length: 1 };
    // The second byte's range shuts out overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return { offset: i, length: second === undefined ? 1 : 2 };
    for (let k = 2; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return { offset: i, length: next === undefined ? k : k + 1 };
    }
    i += more + 1;
  }
  return undefined;
}

function notUtf8(file: string, bytes: Uint8Array, { offset, length }: { offset: number; length: number }): Diagnostic {
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  const lineEnd = bytes.indexOf(0x0a, offset);
  const line = 1 + bytes.subarray(0, lineStart).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
  // Columns count as the parser's do (UTF-16 units); what comes before the byte is UTF-8.
  const column = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset)).length + 1;
  const shown = [...bytes.subarray(offset, offset + length)].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
  const utf16 = offset === 0 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  return {
    code: 'invalid-utf8',
    severity: 'error',
    file,
    line,
    column,
    length: 1,
    path: '',
    message: `not UTF-8: ${shown} is not a UTF-8 character`,
    expected: 'text in UTF-8',
    hint: utf16
      ? 'the file starts with a UTF-16 byte order mark: save it as UTF-8'
      : 'save the file as UTF-8, and retype the character there: text pasted from a Latin-1 or Windows-1252 document often carries such bytes',
    snippet: new TextDecoder('utf-8').decode(bytes.subarray(lineStart, lineEnd < 0 ? bytes.length : lineEnd)),
  };
}
