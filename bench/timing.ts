/** The one way the benchmarks time: `runs` runs of `run`, median and fastest wall time, and the last run's result. */
import { performance } from 'node:perf_hooks';

export async function timeRuns<T>(runs: number, run: () => T | Promise<T>): Promise<{ median_ms: number; min_ms: number; last: T }> {
  const times: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    last = await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median_ms: Math.round(times[Math.floor(runs / 2)]!), min_ms: Math.round(times[0]!), last };
}
