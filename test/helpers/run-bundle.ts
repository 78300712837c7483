// node --import tsx test/helpers/run-bundle.ts BUNDLE ARGS...: the CLI's one-file build at
// BUNDLE run as src/cli/main.ts runs it, then `code cache: used` or `written` on stderr.
import { startBundle } from '../../src/cli/bundle.js';

const [bundle] = process.argv.splice(2, 1);
const cached = await startBundle(bundle!, process.argv.slice(2));
process.stderr.write(`code cache: ${cached ? 'used' : 'written'}\n`);
