// A probe's change watcher over a long-lived tool that prints a line when something changed (crm_mon's refreshes,
// corosync-cmapctl's key tracking, drbdsetup events2): each change line triggers a run of the probe at once,
// throttled so a burst gives one run now and one trailing run for its last change. The stream is restarted after it
// ends; a tool that is not installed is left alone (the periodic run reports it absent).
import type { WatchContext, Watcher } from './types.js';

export interface StreamWatchOptions {
  probe: string;
  argv: readonly string[];
  /** Does this line say that something changed? Made anew for each start of the stream, so it may keep state. */
  changes: () => (line: string) => boolean;
  /** Asked before each start: false = not now, ask again after restartDelayMs (e.g. a kernel module not loaded). */
  ready?: () => Promise<boolean>;
  minTriggerIntervalMs: number;
  restartDelayMs: number;
  keepStdinOpen?: boolean;
  /** Exit codes that mean "the tool is not installed" (stdbuf and env say 127 for a missing command). */
  absentExitCodes?: readonly number[];
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';

export const watchStream = (ctx: WatchContext, o: StreamWatchOptions): Watcher => {
  let stopped = false;
  let stream: { stop(): Promise<void> } | undefined;
  let retry: NodeJS.Timeout | undefined;
  let throttle: NodeJS.Timeout | undefined;
  let lastTrigger = Number.NEGATIVE_INFINITY;
  /** The last problem logged, so a stream that keeps failing the same way logs once. */
  let warned = '';

  const trigger = (): void => {
    if (stopped) return;
    const wait = lastTrigger + o.minTriggerIntervalMs - ctx.now();
    if (wait <= 0) {
      lastTrigger = ctx.now();
      ctx.trigger();
    } else if (throttle === undefined) {
      throttle = setTimeout(() => {
        throttle = undefined;
        lastTrigger = ctx.now();
        if (!stopped) ctx.trigger();
      }, wait);
    }
  };

  const later = (): void => {
    if (!stopped) retry = setTimeout(() => void start(), o.restartDelayMs);
  };

  const start = async (): Promise<void> => {
    retry = undefined;
    if (stopped) return;
    if (o.ready && !(await o.ready())) {
      later();
      return;
    }
    if (stopped) return;
    const isChange = o.changes();
    stream = ctx.execStream(o.argv, {
      ...(o.keepStdinOpen ? { keepStdinOpen: true } : {}),
      maxLineBytes: 64 * 1024,
      onLine: (line) => {
        if (!isChange(line)) return;
        warned = '';
        trigger();
      },
      onEnd: (end) => {
        stream = undefined;
        if (stopped) return;
        const absent = end.kind === 'absent' || (end.kind === 'exited' && end.code !== null && (o.absentExitCodes ?? []).includes(end.code));
        if (absent) {
          ctx.logger.info({ probe: o.probe, argv: o.argv.join(' ') }, 'change stream tool not installed; the probe runs on its interval only');
          return;
        }
        const why = end.kind === 'exited' ? `exit ${String(end.code)}${end.signal ? ` (${end.signal})` : ''}: ${firstLine(end.stderr)}` : end.message;
        if (warned !== why) ctx.logger.warn({ probe: o.probe, argv: o.argv.join(' '), end: why }, 'change stream ended; restarting it later');
        warned = why;
        trigger(); // whatever ended it may be a change too
        later();
      },
    });
  };

  void start();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(throttle);
      await stream?.stop();
    },
  };
};
