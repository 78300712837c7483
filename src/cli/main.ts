#!/usr/bin/env node
/**
 * orgvend's entry point. After `npm run build` the CLI runs from its one-file build beside
 * this file, with V8's code cache (bundle.ts); from source, or when only tsc has built,
 * from its modules.
 */
import { fileURLToPath } from 'node:url';
import { bundleIsCurrent, startBundle } from './bundle.js';

const bundle = fileURLToPath(new URL('./orgvend.cjs', import.meta.url));
if (bundleIsCurrent(bundle, fileURLToPath(new URL('../.tsbuildinfo', import.meta.url)))) await startBundle(bundle, process.argv.slice(2));
else await (await import('./start.js')).start();
