/** Ends every test run with one line CI can read: `N passed, N failed`. */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      // A file that failed to load has no tests but must not pass silently.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
    }
    const extra = [skipped ? `${skipped} skipped` : '', errors.length ? `${errors.length} unhandled error(s)` : ''].filter(Boolean);
    process.stdout.write(`\n${passed} passed, ${failed} failed${extra.map((e) => `, ${e}`).join('')}\n`);
  }
}
