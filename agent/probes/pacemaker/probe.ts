// The pacemaker probe: one `crm_mon` run per cycle, parsed by parse.ts, mapped by observe.ts. A long-lived
// `crm_mon --output-as=text` (which refreshes on every CIB change) triggers a run at once when the cluster changes.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { ExecResult } from '../../lib/exec.js';
import type { PacemakerReport } from '../../protocol/pacemaker.js';
import type { ProbeContext, ProbeOutcome, Probe, WatchContext, Watcher, WatchingProbe } from '../types.js';
import { watchStream } from '../watch-stream.js';
import { pacemakerSamples, pacemakerStates } from './observe.js';
import { parseCrmMonXml } from './parse.js';

/** Pacemaker 2.1+/3.x: the full XML view, including failures, fence history, tickets and bans. */
export const CRM_MON_ARGV = ['crm_mon', '--output-as=xml', '--include=all'] as const;
/** Pacemaker 1.1 (and 2.0 before --output-as existed): the legacy XML, tried only when the above is refused. */
export const CRM_MON_LEGACY_ARGV = ['crm_mon', '--as-xml'] as const;

/**
 * The change stream: crm_mon in its refreshing mode prints the summary each time the CIB changes (a node leaves,
 * a DC is elected, an operation fails); measured with Pacemaker 2.1.5 on a pipe: one "Cluster Summary:" per change,
 * none while nothing changes. Only the summary is asked for: the run itself reads the full XML.
 */
export const CRM_MON_WATCH_ARGV = ['crm_mon', '--output-as=text', '--exclude=all', '--include=summary'] as const;
export const isCrmMonRefresh = (line: string): boolean => line.includes('Cluster Summary:');
/** CRM_EX_USAGE: a crm_mon too old for --output-as; 127: not installed. Neither is worth restarting. */
const CRM_MON_WATCH_UNUSABLE = [64, 127] as const;

/** The probe's options (config block `probes.pacemaker`); defaults in the schema. */
export const PacemakerProbeOptions = Type.Object(
  {
    /** Run at once when the cluster changes (a long-lived crm_mon), not only on the interval. */
    watch: Type.Boolean({ default: true }),
    /** Changes closer together than this give one run now and one trailing run. */
    minTriggerIntervalMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 250 }),
    /** After the stream ends (Pacemaker stopped), wait this long before starting it again. */
    restartDelayMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5_000 }),
  },
  { additionalProperties: false, default: {} },
);
export type PacemakerProbeOptions = Static<typeof PacemakerProbeOptions>;

export class PacemakerOptionsError extends Error {
  override readonly name = 'PacemakerOptionsError';
  readonly code = 'pacemaker.bad_options';
}

/** Options with the schema's defaults; bad options fail fast. */
export const pacemakerProbeOptions = (raw: unknown = {}): PacemakerProbeOptions => {
  const v = Value.Default(PacemakerProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(PacemakerProbeOptions, v)) {
    const problems = [...Value.Errors(PacemakerProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new PacemakerOptionsError(`invalid pacemaker probe options: ${problems.join('; ')}`);
  }
  return v as PacemakerProbeOptions;
};

/** crm_mon's exit code when it cannot connect to the cluster (CRM_EX_DISCONNECT, "Not connected"). */
export const CRM_EX_DISCONNECT = 102;

export const PACEMAKER_PROBE_ERRORS = {
  absent: 'pacemaker.absent',
  timeout: 'pacemaker.timeout',
  exec: 'pacemaker.exec_failed',
  signalled: 'pacemaker.signalled',
  exit: 'pacemaker.exit_status',
  crmMon: 'pacemaker.crm_mon_error',
} as const;

type Outcome = ProbeOutcome<PacemakerReport>;

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';

const fail = (status: 'absent' | 'failed' | 'timeout', code: string, message: string, report?: PacemakerReport): Outcome =>
  report === undefined
    ? { status, error: { code, message: message.slice(0, 4096) }, samples: [], states: [] }
    : { status, error: { code, message: message.slice(0, 4096) }, report, samples: [], states: [] };

const ok = (report: PacemakerReport): Outcome => ({
  status: 'ok',
  report,
  samples: pacemakerSamples(report),
  states: pacemakerStates(report),
});

/** crm_mon before --output-as (1.1, early 2.0) rejects the option: getopt ("unrecognized option") or glib ("Unknown option"). */
const refusedOutputAs = (r: ExecResult): boolean =>
  r.kind === 'exited' &&
  r.code !== 0 &&
  !r.stdout.includes('<') &&
  /output-as/.test(r.stderr) &&
  /(unrecognized|unknown|invalid) option/i.test(r.stderr);

/** Turn one finished crm_mon run into an outcome. Exported for tests. */
export const outcomeOf = (r: ExecResult, timeoutMs: number): Outcome => {
  switch (r.kind) {
    case 'absent':
      return fail('absent', PACEMAKER_PROBE_ERRORS.absent, r.message);
    case 'error':
      return fail('failed', PACEMAKER_PROBE_ERRORS.exec, r.message);
    case 'timeout':
      return fail('timeout', PACEMAKER_PROBE_ERRORS.timeout, `crm_mon did not finish within ${timeoutMs} ms`);
    case 'signalled':
      return fail('failed', PACEMAKER_PROBE_ERRORS.signalled, `crm_mon killed by ${r.signal}: ${firstLine(r.stderr)}`);
    case 'exited':
      break;
  }
  const p = parseCrmMonXml(r.stdout);
  if (r.code === CRM_EX_DISCONNECT && !p.ok) {
    // "Not connected" is data even without a usable XML result: Pacemaker 2.1.5 `crm_mon --as-xml` prints
    // only `<crm_mon version="2.1.5"/>` and puts "Not connected" and the reasons on stderr.
    const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return ok({ running: false, code: r.code, message: lines[0] ?? 'Not connected', errors: lines.slice(1) });
  }
  if (!p.ok) {
    const why = r.truncated ? ' (output truncated)' : '';
    if (r.code !== 0) {
      const said = firstLine(r.stderr) || p.error.message;
      return fail('failed', PACEMAKER_PROBE_ERRORS.exit, `crm_mon exited ${r.code}: ${said}${why}`);
    }
    return fail('failed', p.error.code, `${p.error.message}${why}`);
  }
  const report = p.value;
  // Not connected = Pacemaker is not running on this node: a state to report, not a probe failure.
  if (report.running || report.code === CRM_EX_DISCONNECT) return ok(report);
  const detail = [report.message, ...report.errors].filter((s) => s !== '').join('; ');
  return fail('failed', PACEMAKER_PROBE_ERRORS.crmMon, `crm_mon status ${report.code}: ${detail}`, report);
};

const runCrmMon = async (ctx: ProbeContext): Promise<Outcome> => {
  const started = ctx.now();
  const first = await ctx.exec(CRM_MON_ARGV, { timeoutMs: ctx.timeoutMs });
  if (!refusedOutputAs(first)) return outcomeOf(first, ctx.timeoutMs);
  // One budget for the whole run: the fallback gets what is left of it.
  const left = ctx.timeoutMs - (ctx.now() - started);
  if (left <= 0) return fail('timeout', PACEMAKER_PROBE_ERRORS.timeout, `crm_mon did not finish within ${ctx.timeoutMs} ms`);
  return outcomeOf(await ctx.exec(CRM_MON_LEGACY_ARGV, { timeoutMs: left }), ctx.timeoutMs);
};

/** A pacemaker probe with the given options (defaults filled in; bad options throw PacemakerOptionsError). */
export const createPacemakerProbe = (options: unknown = {}): WatchingProbe<PacemakerReport> => {
  const o = pacemakerProbeOptions(options);
  return {
    name: 'pacemaker',
    run: runCrmMon,
    watch: (ctx: WatchContext): Watcher =>
      o.watch
        ? watchStream(ctx, {
            probe: 'pacemaker',
            argv: CRM_MON_WATCH_ARGV,
            changes: () => isCrmMonRefresh,
            minTriggerIntervalMs: o.minTriggerIntervalMs,
            restartDelayMs: o.restartDelayMs,
            absentExitCodes: CRM_MON_WATCH_UNUSABLE,
          })
        : { stop: async () => undefined },
  };
};

/** The probe with default options and no watcher: one crm_mon run per call (tests, `hawatch probe pacemaker`). */
export const pacemakerProbe: Probe<PacemakerReport> = { name: 'pacemaker', run: runCrmMon };
