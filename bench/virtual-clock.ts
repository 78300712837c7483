/**
 * Virtual time for a benchmark whose waits are the thing measured (backoff, pacing): every
 * setTimeout fires as soon as the process has nothing else to do, with Date.now() moved on
 * to when it was due. Minutes of retries run in a moment, in the order real time would run
 * them. Install before the code under measurement reads the clock.
 */
type Timer = { at: number; seq: number; fire: () => void; cancelled: boolean };

export function installVirtualClock(start = Date.UTC(2026, 0, 1)): { now(): number } {
  let now = start;
  let seq = 0;
  let ticking = false;
  const timers: Timer[] = [];
  const realSetImmediate = globalThis.setImmediate;

  const tick = () => {
    ticking = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const timer = timers.shift();
    if (!timer) return;
    now = Math.max(now, timer.at);
    if (!timer.cancelled) timer.fire();
    schedule();
  };
  // Two turns of the event loop, so the work a resolved promise starts is done before time moves.
  const schedule = () => {
    if (ticking || timers.length === 0) return;
    ticking = true;
    realSetImmediate(() => realSetImmediate(tick));
  };

  globalThis.setTimeout = ((fire: (...args: unknown[]) => void, ms = 0, ...args: unknown[]) => {
    // As Node does: a delay under 1 ms is 1 ms (the SDK's rate limiter waits fractions of one).
    const timer: Timer = { at: now + Math.max(1, Number(ms) || 0), seq: seq++, fire: () => fire(...args), cancelled: false };
    timers.push(timer);
    schedule();
    return Object.assign(timer, { ref: () => timer, unref: () => timer, hasRef: () => false, refresh: () => timer, [Symbol.toPrimitive]: () => timer.seq });
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((timer?: Timer) => {
    if (timer) timer.cancelled = true;
  }) as typeof clearTimeout;
  Date.now = () => now;
  return { now: () => now };
}
