// The drbd probe. Each run reads /proc/drbd (through the injected reader): DRBD 8.x is read from it alone; DRBD 9
// (whose /proc/drbd has only the version) is asked with `drbdsetup status --json`. watch() keeps one long-lived
// `drbdsetup events2 --timestamps` and triggers a run on each change after the initial state; its helper lines
// (split-brain handlers, fence-peer, ...) are kept by the probe instance and added to every report.
import { readFile } from 'node:fs/promises';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { DrbdHelperEvent, DrbdReport } from '../../protocol/drbd.js';
import type { ProbeContext, ProbeOutcome, WatchContext, Watcher, WatchingProbe } from '../types.js';
import { watchStream } from '../watch-stream.js';
import { drbdSamples, drbdStates } from './observe.js';
import { drbdMajor, helperEventOf, lastSplitBrain, parseDrbdStatusJson, parseEvents2Line, parseProcDrbd } from './parse.js';

export const DRBDSETUP_STATUS_ARGV = ['drbdsetup', 'status', '--json'] as const;
export const DRBDSETUP_EVENTS_ARGV = ['drbdsetup', 'events2', '--timestamps'] as const;

/** drbdsetup's exit code when the kernel module is missing and `modprobe drbd` failed (drbd-utils 9.22). */
export const DRBDSETUP_EX_NO_MODULE = 20;

export const DRBD_PROBE_ERRORS = {
  absent: 'drbd.absent',
  timeout: 'drbd.timeout',
  exec: 'drbd.exec_failed',
  signalled: 'drbd.signalled',
  exit: 'drbd.exit_status',
  read: 'drbd.read_failed',
} as const;

/** The probe's options (config block `probes.drbd`); defaults in the schema. */
export const DrbdProbeOptions = Type.Object(
  {
    procDrbdPath: Type.String({ minLength: 1, default: '/proc/drbd' }),
    /**
     * drbdsetup runs `modprobe drbd` itself when /proc/drbd is missing (drbd-utils 9.22), so by default the probe does
     * not call it then and reports "module not loaded" instead: monitoring must not load a kernel module.
     */
    loadModule: Type.Boolean({ default: false }),
    /** Keep a `drbdsetup events2` stream and run at once on each change. */
    watch: Type.Boolean({ default: true }),
    /** Changes closer together than this give one run (a resync prints many lines). */
    minTriggerIntervalMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 1_000 }),
    /** After the stream ends (or while /proc/drbd is missing), wait this long before starting it again. */
    restartDelayMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5_000 }),
    /** Helper events kept for the reports (oldest dropped first). */
    maxHelperEvents: Type.Integer({ minimum: 1, maximum: 1_000, default: 64 }),
  },
  { additionalProperties: false, default: {} },
);
export type DrbdProbeOptions = Static<typeof DrbdProbeOptions>;

export class DrbdOptionsError extends Error {
  override readonly name = 'DrbdOptionsError';
  readonly code = 'drbd.bad_options';
}

/** Options with the schema's defaults; bad options fail fast. */
export const drbdProbeOptions = (raw: unknown = {}): DrbdProbeOptions => {
  const v = Value.Default(DrbdProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(DrbdProbeOptions, v)) {
    const problems = [...Value.Errors(DrbdProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new DrbdOptionsError(`invalid drbd probe options: ${problems.join('; ')}`);
  }
  return v as DrbdProbeOptions;
};

/** Reads a text file; null when it does not exist. Other errors are thrown. */
export type ReadText = (path: string) => Promise<string | null>;

export const readTextFile: ReadText = async (path) => {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
};

type Outcome = ProbeOutcome<DrbdReport>;

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';

const fail = (status: 'absent' | 'failed' | 'timeout', code: string, message: string): Outcome => ({
  status,
  error: { code, message: message.slice(0, 4096) },
  samples: [],
  states: [],
});

const ok = (report: DrbdReport): Outcome => ({ status: 'ok', report, samples: drbdSamples(report), states: drbdStates(report) });

const notLoaded = (): DrbdReport => ({
  source: 'proc-drbd',
  moduleLoaded: false,
  kernelVersion: null,
  resources: [],
  unconfiguredMinors: [],
  helperEvents: [],
  splitBrainHelperSeen: null,
});

export interface DrbdProbeIo {
  readFile?: ReadText;
}

export const createDrbdProbe = (options: unknown = {}, io: DrbdProbeIo = {}): WatchingProbe<DrbdReport> => {
  const opts = drbdProbeOptions(options);
  const read = io.readFile ?? readTextFile;
  /** Helper lines seen by the watcher, oldest first: state of this probe instance, not of the module. */
  const helpers: DrbdHelperEvent[] = [];

  const withHelpers = (r: DrbdReport): DrbdReport => {
    const helperEvents = [...r.helperEvents, ...helpers].slice(-opts.maxHelperEvents);
    return { ...r, helperEvents, splitBrainHelperSeen: lastSplitBrain(helperEvents) ?? r.splitBrainHelperSeen };
  };

  const run = async (ctx: ProbeContext): Promise<Outcome> => {
    let proc: string | null;
    try {
      proc = await read(opts.procDrbdPath);
    } catch (e) {
      return fail('failed', DRBD_PROBE_ERRORS.read, `${opts.procDrbdPath}: ${(e as Error).message}`);
    }
    let kernelVersion: string | null = null;
    if (proc !== null) {
      const p = parseProcDrbd(proc);
      if (!p.ok) return fail('failed', p.error.code, `${opts.procDrbdPath}: ${p.error.message}`);
      kernelVersion = p.value.kernelVersion;
      const major = drbdMajor(kernelVersion);
      // DRBD 8.x: /proc/drbd is the whole view (drbd-utils 9's drbdsetup hands 8.4 over to drbdsetup-84, which has no --json)
      if (major !== null && major < 9) return ok(withHelpers(p.value));
    } else if (!opts.loadModule) {
      return ok(withHelpers(notLoaded()));
    }
    const r = await ctx.exec(DRBDSETUP_STATUS_ARGV, { timeoutMs: ctx.timeoutMs });
    switch (r.kind) {
      case 'absent':
        return fail('absent', DRBD_PROBE_ERRORS.absent, r.message);
      case 'error':
        return fail('failed', DRBD_PROBE_ERRORS.exec, r.message);
      case 'timeout':
        return fail('timeout', DRBD_PROBE_ERRORS.timeout, `drbdsetup status did not finish within ${ctx.timeoutMs} ms`);
      case 'signalled':
        return fail('failed', DRBD_PROBE_ERRORS.signalled, `drbdsetup killed by ${r.signal}: ${firstLine(r.stderr)}`);
      case 'exited':
        break;
    }
    // drbd-utils 9.22 without the module: "Failed to modprobe drbd (...)" on stderr, exit 20: a state, not a failure
    if (r.code === DRBDSETUP_EX_NO_MODULE && /modprobe drbd/i.test(r.stderr)) return ok(withHelpers(notLoaded()));
    if (r.code !== 0) return fail('failed', DRBD_PROBE_ERRORS.exit, `drbdsetup status exited ${r.code}: ${firstLine(r.stderr) || firstLine(r.stdout)}`);
    const p = parseDrbdStatusJson(r.stdout);
    if (!p.ok) return fail('failed', p.error.code, `${p.error.message}${r.truncated ? ' (output truncated)' : ''}`);
    return ok(withHelpers({ ...p.value, kernelVersion }));
  };

  const watch = (ctx: WatchContext): Watcher => {
    if (!opts.watch) return { stop: async () => undefined };
    /** The last problem logged, so one that keeps coming back logs once. */
    let warned = '';
    const warnOnce = (key: string, obj: object, msg: string): void => {
      if (warned === key) return;
      warned = key;
      ctx.logger.warn({ probe: 'drbd', ...obj }, msg);
    };
    return watchStream(ctx, {
      probe: 'drbd',
      argv: DRBDSETUP_EVENTS_ARGV,
      minTriggerIntervalMs: opts.minTriggerIntervalMs,
      restartDelayMs: opts.restartDelayMs,
      // Without loadModule, drbdsetup must not run before the module is there (drbd-utils 9.22 modprobes).
      ready: async () => {
        if (opts.loadModule) return true;
        try {
          return (await read(opts.procDrbdPath)) !== null;
        } catch (e) {
          warnOnce('read', { err: (e as Error).message }, 'cannot read /proc/drbd; events2 stream not started');
          return false;
        }
      },
      changes: () => {
        // events2 first prints the current state (`exists` lines, ending with `exists -`): not a change.
        let initialDone = false;
        return (line) => {
          const p = parseEvents2Line(line);
          if (!p.ok) {
            warnOnce('line', { code: p.error.code, line: line.slice(0, 300) }, 'unreadable drbdsetup events2 line');
            return false;
          }
          const l = p.value;
          if (l === null) return false;
          warned = '';
          if (l.verb === 'exists') {
            if (l.object === '-') initialDone = true;
            return false;
          }
          if (l.object === 'helper') {
            helpers.push(helperEventOf(l, new Date(ctx.now()).toISOString()));
            if (helpers.length > opts.maxHelperEvents) helpers.splice(0, helpers.length - opts.maxHelperEvents);
            return true;
          }
          return initialDone;
        };
      },
    });
  };

  return { name: 'drbd', run, watch };
};
