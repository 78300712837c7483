// Preloaded with --import: records every module URL the process resolves into the file
// named by IMPORT_LOG, so a test can tell what the CLI loaded.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { log: process.env.IMPORT_LOG } });
