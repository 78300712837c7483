/**
 * How a value lands in what orgvend renders with nunjucks (templates/ into CloudFormation
 * YAML, scps/ into JSON policies): every `{{ value }}` writes the value's JSON encoding —
 * a double-quoted string, a number, true or false, a JSON list or map — with every line
 * break and control character escaped (`\r`, `\u0085`, `\u2028`). That is one complete
 * scalar or collection in YAML 1.1 and 1.2 and one complete value in JSON, so a value can
 * end neither the string, the comment nor the line it is in, nor start a key of its own.
 *
 * Raw output is never the default. It takes a SafeString, which only these give:
 * - `| safe`, greppable, for orgvend's own fragments, never for a value from accounts.yml;
 * - macros (their output is made of encoded values and the template's own text);
 * - `| pascal_case`, whose output is letters and digits only (logical ids);
 * - `| json` (and `| dump`, `| escape`, `| e`, which are the same here): the encoding,
 *   where it is wanted inside a JSON text the template writes.
 *
 * nunjucks escapes for HTML and lets no environment choose another escaper, so each
 * template's root render function is handed a runtime whose suppressValue (the call every
 * `{{ }}` compiles to) encodes; a probe at start-up fails loudly if nunjucks stops honouring it.
 */
import nunjucks from 'nunjucks';
import { characterName, escapeControlCharacters, firstControlCharacter } from '../config/control-characters.js';
import { cached } from '../run-cache.js';

const { SafeString } = nunjucks.runtime;

/**
 * The JSON encoding of `value`, with every line break and control character escaped:
 * JSON.stringify escapes the C0 controls, escapeControlCharacters the rest it leaves raw
 * (DEL, C1 with NEL, U+2028/9, the bidirectional controls).
 */
export function encodeValue(value: unknown): string {
  const plain = value instanceof SafeString ? value.toString() : value;
  return escapeControlCharacters(JSON.stringify(plain) ?? 'null');
}

/** `team/shared.base_image` → `TeamSharedBaseImage`: letters and digits only, each part capitalised. */
export function pascalCase(value: unknown): string {
  return String(value)
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('');
}

type RootRender = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: unknown) => void;

/** nunjucks' runtime, but every `{{ }}` that is not a SafeString is encoded. */
const ENCODING_RUNTIME = {
  ...nunjucks.runtime,
  suppressValue(value: unknown): unknown {
    if (value instanceof SafeString) return value;
    return value === undefined || value === null ? '' : encodeValue(value);
  },
};

/** `template`, compiled, with its every `{{ }}` encoded (see the top of this file). */
export function encodingTemplate(template: nunjucks.Template): nunjucks.Template {
  const internals = template as unknown as { compile(): void; rootRenderFunc: RootRender };
  internals.compile();
  const root = internals.rootRenderFunc;
  internals.rootRenderFunc = (env, context, frame, _runtime, cb) => root(env, context, frame, ENCODING_RUNTIME, cb);
  return template;
}

type Compiler = { compile(text: string, asyncFilters: unknown, extensions: unknown, path: string, opts: unknown): string };
type EnvironmentInternals = { asyncFilters: unknown; extensionsList: unknown; opts: unknown };

/**
 * A template compiled from `text` in `env` (an encodingEnvironment), every `{{ }}` encoded.
 * Its compiled code is kept between runs where the CLI keeps it (run-cache.ts);
 * one that does not compile is compiled as nunjucks does, for its error.
 */
export function compileEncoding(text: string, env: nunjucks.Environment, path: string): nunjucks.Template {
  const internals = env as unknown as EnvironmentInternals;
  const code = cached(['template', path, JSON.stringify(internals.opts), text], () => {
    try {
      return (nunjucks as unknown as { compiler: Compiler }).compiler.compile(text, internals.asyncFilters, internals.extensionsList, path, internals.opts);
    } catch {
      return undefined;
    }
  });
  if (code === undefined) return encodingTemplate(new nunjucks.Template(text, env, path, true));
  // What nunjucks' Template does with the code it compiled (its _compile), from kept code.
  const props = new Function(code)() as object;
  return encodingTemplate(new nunjucks.Template({ type: 'code', obj: props } as never, env, path, true));
}

/**
 * An environment for templates whose every output is encoded: autoescape on (so `| safe`
 * and macros mark what stays raw), strict about undefined names, and the filters above.
 * Render its templates through compileEncoding or encodingTemplate.
 */
export function encodingEnvironment(loader: nunjucks.ILoader | null = null): nunjucks.Environment {
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: true });
  const json = (value: unknown) => new SafeString(encodeValue(value));
  for (const name of ['json', 'dump', 'escape', 'e', 'forceescape']) env.addFilter(name, json);
  env.addFilter('pascal_case', (value: unknown) => new SafeString(pascalCase(value)));
  const probe = compileEncoding('{{ v }}', env, 'probe').render({ v: 'a"\r' });
  if (probe !== '"a\\"\\r"') throw new Error(`nunjucks no longer lets orgvend encode its output (a probe rendered ${JSON.stringify(probe)}): check render/escaping.ts against this nunjucks version`);
  return env;
}

/**
 * The first character of a rendered text that CloudFormation's YAML 1.1 and the yaml
 * package would read differently (a line break other than LF) or that has no place in a
 * template (any other control character but TAB), as a message with its line and column.
 */
export function controlCharacterIn(text: string): { line: number; column: number; message: string } | undefined {
  const found = firstControlCharacter(text, '\n\t');
  if (!found) return undefined;
  const before = text.slice(0, found.index).split('\n');
  return {
    line: before.length,
    column: before.at(-1)!.length + 1,
    message: `the rendered text holds ${characterName(found.char)}, which CloudFormation would read as a line break or refuse; only LF and TAB may appear`,
  };
}
