#!/usr/bin/env node
import { runCli } from './run.js';

// The SDK warns on every run that it will need Node 22 from 2027; that is a note for
// orgvend's maintainers (see the README), not for each person who runs a plan.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
