/**
 * yaml's parseDocument, without yaml's read of process.env at every token: its parser
 * looks up LOG_TOKENS once per token, to print them when it is set, and each read of
 * process.env is a call into Node's C++ for the process environment (~0.4 µs, more on a
 * loaded machine). That was a quarter to a third of parsing a 5,000-account accounts.yml
 * (176,000 tokens). The parse runs against a plain copy of process.env, the same names
 * and values (LOG_TOKENS still prints them); it is synchronous, so nothing else sees the
 * copy, and process.env is put back before it returns.
 */
import { parseDocument, type CreateNodeOptions, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from 'yaml';

export function parseYamlDocument(text: string, options: ParseOptions & DocumentOptions & SchemaOptions & CreateNodeOptions & ToJSOptions): Document.Parsed {
  const env = process.env;
  process.env = { ...env };
  try {
    return parseDocument(text, options);
  } finally {
    process.env = env;
  }
}
