import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../agent/scheduler.js';
import type { Probe, ProbeOutcome, WatchingProbe } from '../../agent/probes/types.js';
import type { Observation } from '../../agent/protocol/index.js';
import { exec, execStream } from '../../agent/lib/exec.js';

const quietLog = { warn: () => undefined, error: () => undefined, info: () => undefined };
const ok: ProbeOutcome = { status: 'ok', report: {}, samples: [], states: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const harness = (probes: { probe: Probe; intervalMs: number; timeoutMs: number }[]) => {
  const seen: Observation[] = [];
  const s = new Scheduler(probes, { exec, execStream, node: 'n1', now: Date.now, onObservation: (o) => seen.push(o), logger: quietLog });
  return { s, seen };
};

describe('scheduler', () => {
  it('never runs one probe twice at once, even when a run is slower than its interval', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    const slow: Probe = {
      name: 'slow',
      run: async () => {
        inFlight++;
        runs++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(60);
        inFlight--;
        return ok;
      },
    };
    const { s } = harness([{ probe: slow, intervalMs: 10, timeoutMs: 1_000 }]);
    s.start();
    await sleep(400);
    await s.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(maxInFlight).toBe(1);
  });

  it("keeps the other probes on schedule when one throws or hangs", async () => {
    const thrower: Probe = { name: 'thrower', run: async () => { throw new Error('boom'); } };
    const hanger: Probe = { name: 'hanger', run: () => new Promise<ProbeOutcome>(() => undefined) };
    let healthyRuns = 0;
    const healthy: Probe = { name: 'healthy', run: async () => { healthyRuns++; return ok; } };
    const { s, seen } = harness([
      { probe: thrower, intervalMs: 20, timeoutMs: 100 },
      { probe: hanger, intervalMs: 20, timeoutMs: 50 },
      { probe: healthy, intervalMs: 20, timeoutMs: 100 },
    ]);
    s.start();
    await sleep(500);
    await s.stop();
    expect(healthyRuns).toBeGreaterThanOrEqual(10);
    const thrown = seen.find((o) => o.probe === 'thrower');
    expect(thrown).toMatchObject({ status: 'failed', error: { code: 'probe.crashed', message: 'boom' } });
    // The hung probe is abandoned after its timeout plus the watchdog grace (2 s) - not within this window -
    // but it never blocks the others.
    expect(seen.filter((o) => o.probe === 'healthy').every((o) => o.status === 'ok')).toBe(true);
  });

  it('reports a hung probe as a timeout once the watchdog fires', async () => {
    const hanger: Probe = { name: 'hanger', run: () => new Promise<ProbeOutcome>(() => undefined) };
    const { s } = harness([{ probe: hanger, intervalMs: 1_000, timeoutMs: 10 }]);
    const [obs] = await s.runAllOnce();
    expect(obs).toMatchObject({ probe: 'hanger', status: 'timeout', error: { code: 'probe.watchdog' } });
  });

  it('runs a watching probe at once when its event source triggers, without waiting for the interval', async () => {
    let runs = 0;
    let trigger: () => void = () => undefined;
    const watcher: WatchingProbe = {
      name: 'evented',
      run: async () => { runs++; return ok; },
      watch: (ctx) => {
        trigger = ctx.trigger;
        return { stop: async () => undefined };
      },
    };
    const { s } = harness([{ probe: watcher, intervalMs: 60_000, timeoutMs: 1_000 }]);
    s.start();
    await sleep(50);
    expect(runs).toBe(1); // the first scheduled run
    trigger();
    await sleep(50);
    expect(runs).toBe(2);
    trigger();
    trigger(); // while idle twice in a row: at most one extra run each
    await sleep(50);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(4);
    await s.stop();
  });
});
