// Runs each probe on its own interval. A probe never runs twice at once (a slow run delays its next one),
// and one probe's failure or hang never stops the others: every run is bounded by its timeout.
import { isWatching, type Probe, type ProbeContext, type ProbeOutcome, type Watcher } from './probes/types.js';
import type { Exec, ExecStream } from './lib/exec.js';
import type { Observation } from './protocol/index.js';

export interface ScheduledProbe {
  probe: Probe;
  intervalMs: number;
  timeoutMs: number;
}

export interface SchedulerDeps {
  exec: Exec;
  /** For event-driven probes' long-lived streams; without it they run on their interval only. */
  execStream?: ExecStream;
  node: string;
  now: () => number;
  onObservation: (o: Observation) => void;
  logger: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void };
}

/** A probe that overruns its own timeout by this much is abandoned (its tools are killed by exec already). */
const WATCHDOG_GRACE_MS = 2_000;

export const outcomeToObservation = (name: string, outcome: ProbeOutcome, at: number, durationMs: number): Observation => {
  const o: Observation = { probe: name, at, durationMs, status: outcome.status, samples: outcome.samples, states: outcome.states };
  if (outcome.status === 'ok') o.report = outcome.report;
  else {
    o.error = outcome.error;
    if (outcome.report !== undefined) o.report = outcome.report;
  }
  return o;
};

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  /** Log "absent" once per probe, not every cycle. */
  private readonly lastStatus = new Map<string, string>();
  private readonly watchers: Watcher[] = [];
  /** A trigger that arrived during a run: run once more right after it, so no event is missed. */
  private readonly rerun = new Set<string>();
  private stopped = false;

  constructor(
    private readonly probes: readonly ScheduledProbe[],
    private readonly deps: SchedulerDeps,
  ) {}

  start(): void {
    for (const p of this.probes) {
      this.schedule(p, 0);
      if (isWatching(p.probe)) this.startWatch(p);
    }
  }

  private startWatch(p: ScheduledProbe): void {
    if (!isWatching(p.probe)) return;
    const execStream = this.deps.execStream;
    if (execStream === undefined) return;
    try {
      this.watchers.push(
        p.probe.watch({
          exec: this.deps.exec,
          execStream,
          timeoutMs: p.timeoutMs,
          node: this.deps.node,
          now: this.deps.now,
          logger: this.deps.logger,
          trigger: () => this.trigger(p),
        }),
      );
    } catch (e) {
      // Without its event source the probe still runs on its interval.
      this.deps.logger.warn({ probe: p.probe.name, err: e }, 'could not start watching; falling back to periodic runs');
    }
  }

  /** Run a probe now (an event said something changed), unless it is running: then right after. */
  trigger(p: ScheduledProbe): void {
    if (this.stopped) return;
    if (this.running.has(p.probe.name)) {
      this.rerun.add(p.probe.name);
      return;
    }
    clearTimeout(this.timers.get(p.probe.name));
    this.schedule(p, 0);
  }

  /** Run every probe once, now, and wait for all of them (used by `hawatch probe --once` and tests). */
  async runAllOnce(): Promise<Observation[]> {
    return Promise.all(this.probes.map((p) => this.runOne(p)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.watchers.map((w) => w.stop()), ...this.running.values()]);
  }

  private schedule(p: ScheduledProbe, delayMs: number): void {
    if (this.stopped) return;
    this.timers.set(
      p.probe.name,
      setTimeout(() => {
        const started = this.deps.now();
        const run = this.runOne(p)
          .then(() => undefined)
          .finally(() => {
            this.running.delete(p.probe.name);
            if (this.rerun.delete(p.probe.name)) this.schedule(p, 0);
            // Fixed rate where possible; a run longer than the interval starts the next one right away.
            else this.schedule(p, Math.max(0, p.intervalMs - (this.deps.now() - started)));
          });
        this.running.set(p.probe.name, run);
      }, delayMs),
    );
  }

  async runOne(p: ScheduledProbe): Promise<Observation> {
    const ctx: ProbeContext = { exec: this.deps.exec, timeoutMs: p.timeoutMs, node: this.deps.node, now: this.deps.now };
    const t0 = performance.now();
    let outcome: ProbeOutcome;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      outcome = await Promise.race([
        p.probe.run(ctx),
        new Promise<ProbeOutcome>((resolve) => {
          watchdog = setTimeout(
            () => resolve({ status: 'timeout', error: { code: 'probe.watchdog', message: `probe did not finish within ${p.timeoutMs + WATCHDOG_GRACE_MS} ms` }, samples: [], states: [] }),
            p.timeoutMs + WATCHDOG_GRACE_MS,
          );
        }),
      ]);
    } catch (e) {
      // A probe bug must not stop the agent; it shows up as a failed probe with the message.
      outcome = { status: 'failed', error: { code: 'probe.crashed', message: (e as Error).message ?? String(e) }, samples: [], states: [] };
    } finally {
      clearTimeout(watchdog);
    }
    const obs = outcomeToObservation(p.probe.name, outcome, this.deps.now(), performance.now() - t0);
    this.logTransition(p.probe.name, obs);
    try {
      this.deps.onObservation(obs);
    } catch (e) {
      this.deps.logger.error({ probe: p.probe.name, err: e }, 'could not queue an observation');
    }
    return obs;
  }

  private logTransition(name: string, o: Observation): void {
    const key = o.status === 'ok' ? 'ok' : `${o.status}:${o.error?.code ?? ''}`;
    if (this.lastStatus.get(name) === key) return;
    this.lastStatus.set(name, key);
    if (o.status === 'ok') this.deps.logger.info({ probe: name }, 'probe ok');
    else if (o.status === 'absent') this.deps.logger.info({ probe: name, error: o.error }, 'probe tool not installed on this node; reporting "absent"');
    else this.deps.logger.warn({ probe: name, status: o.status, error: o.error }, 'probe failing');
  }
}
