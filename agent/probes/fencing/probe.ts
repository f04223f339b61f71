// The fencing probe: per configured SBD device `sbd -d DEV dump` and `sbd -d DEV list`, then Pacemaker's fencing
// history with `stonith_admin --history '*' --output-as=xml --verbose`. Commands run one after another on one
// timeout budget: a hung SAN path must not hold the run past ctx.timeoutMs.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { ExecResult } from '../../lib/exec.js';
import type { FencingProblem, FencingReport, SbdDevice, StonithHistory } from '../../protocol/fencing.js';
import type { Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { fencingSamples, fencingStates } from './observe.js';
import { FENCING_PARSE_ERRORS, parseSbdDump, parseSbdList, parseStonithHistory } from './parse.js';

export const sbdDumpArgv = (device: string): readonly string[] => ['sbd', '-d', device, 'dump'];
export const sbdListArgv = (device: string): readonly string[] => ['sbd', '-d', device, 'list'];
/** `--verbose`: without it Pacemaker 2.1.5 lists only successful fencing in the XML history (failed and pending are left out). */
export const STONITH_HISTORY_ARGV = ['stonith_admin', '--history', '*', '--output-as=xml', '--verbose'] as const;
/** CRM_EX_DISCONNECT: the fencer (Pacemaker) is not running on this node. */
export const CRM_EX_DISCONNECT = 102;

export const FENCING_PROBE_ERRORS = {
  absent: 'fencing.absent',
  sbdAbsent: 'fencing.sbd_absent',
  timeout: 'fencing.timeout',
  exec: 'fencing.exec_failed',
  signalled: 'fencing.signalled',
  exit: 'fencing.exit_status',
  stonith: 'fencing.stonith_error',
} as const;

export const FencingProbeOptions = Type.Object(
  {
    /** SBD devices to read (as in SBD_DEVICE of /etc/sysconfig/sbd); none = no SBD part. */
    sbdDevices: Type.Array(Type.String({ minLength: 1, pattern: '^/' }), { maxItems: 3, default: [] }),
    /** Read Pacemaker's fencing history. */
    stonithHistory: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
);
export type FencingProbeOptions = Static<typeof FencingProbeOptions>;

export class FencingOptionsError extends Error {
  override readonly name = 'FencingOptionsError';
  readonly code = 'fencing.bad_options';
}

export const fencingProbeOptions = (raw: unknown = {}): FencingProbeOptions => {
  const v = Value.Default(FencingProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(FencingProbeOptions, v)) {
    const problems = [...Value.Errors(FencingProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new FencingOptionsError(`invalid fencing probe options: ${problems.join('; ')}`);
  }
  return v as FencingProbeOptions;
};

type Outcome = ProbeOutcome<FencingReport>;
type Ran = { kind: 'data'; r: Extract<ExecResult, { kind: 'exited' }> } | { kind: 'absent' | 'timeout' | 'failed'; problem: FencingProblem };

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';

const classify = (r: ExecResult, what: string, timeoutMs: number): Ran => {
  switch (r.kind) {
    case 'absent':
      return { kind: 'absent', problem: { code: FENCING_PROBE_ERRORS.absent, message: r.message } };
    case 'error':
      return { kind: 'failed', problem: { code: FENCING_PROBE_ERRORS.exec, message: r.message } };
    case 'timeout':
      return { kind: 'timeout', problem: { code: FENCING_PROBE_ERRORS.timeout, message: `${what} did not finish within ${timeoutMs} ms` } };
    case 'signalled':
      return { kind: 'failed', problem: { code: FENCING_PROBE_ERRORS.signalled, message: `${what} killed by ${r.signal}: ${firstLine(r.stderr)}` } };
    case 'exited':
      return { kind: 'data', r };
  }
};

export const createFencingProbe = (options: unknown = {}): Probe<FencingReport> => {
  const opts = fencingProbeOptions(options);
  return {
    name: 'fencing',
    async run(ctx: ProbeContext): Promise<Outcome> {
      const started = ctx.now();
      const report: FencingReport = { sbd: [], stonith: null, problems: [] };
      let attempted = 0;
      let absent = 0;
      let worst: { status: 'timeout' | 'failed'; error: FencingProblem } | null = null;
      const note = (status: 'timeout' | 'failed', error: FencingProblem): void => {
        // a timeout outranks a failure: the run was cut short
        if (worst === null || (worst.status === 'failed' && status === 'timeout')) worst = { status, error };
      };
      const run = async (argv: readonly string[], what: string): Promise<Ran> => {
        attempted++;
        const left = ctx.timeoutMs - (ctx.now() - started);
        if (left <= 0) return { kind: 'timeout', problem: { code: FENCING_PROBE_ERRORS.timeout, message: `no time left for ${what} (budget ${ctx.timeoutMs} ms)` } };
        const ran = classify(await ctx.exec(argv, { timeoutMs: left }), what, left);
        if (ran.kind === 'absent') absent++;
        return ran;
      };

      let sbdMissing = false;
      for (const device of opts.sbdDevices) {
        const dev: SbdDevice = { device, header: null, slots: null, error: null };
        report.sbd.push(dev);
        if (sbdMissing) {
          dev.error = { code: FENCING_PROBE_ERRORS.sbdAbsent, message: 'sbd is not installed' };
          continue;
        }
        const dump = await run(sbdDumpArgv(device), `sbd -d ${device} dump`);
        if (dump.kind === 'absent') {
          sbdMissing = true;
          dev.error = { code: FENCING_PROBE_ERRORS.sbdAbsent, message: dump.problem.message };
          continue;
        }
        if (dump.kind !== 'data') {
          dev.error = dump.problem;
          note(dump.kind, dump.problem);
          continue;
        }
        // sbd 1.5.2 exits 1 for an unreadable device, with its "NOT dumped" lines split over stdout and stderr
        const d = parseSbdDump(`${dump.r.stdout}\n${dump.r.stderr}`);
        if (!d.ok) {
          dev.error = { code: dump.r.code === 0 ? d.error.code : FENCING_PROBE_ERRORS.exit, message: dump.r.code === 0 ? d.error.message : `sbd dump exited ${dump.r.code}: ${firstLine(dump.r.stderr)}` };
          if (dump.r.code === 0) note('failed', dev.error);
          continue;
        }
        const entry = d.value.find((e) => e.device === device) ?? d.value[0]!;
        dev.header = entry.header;
        dev.error = entry.error;
        if (dev.header === null) continue;
        const list = await run(sbdListArgv(device), `sbd -d ${device} list`);
        if (list.kind !== 'data') {
          dev.error = list.problem;
          if (list.kind !== 'absent') note(list.kind, list.problem);
          continue;
        }
        const l = parseSbdList(list.r.stdout.trim() === '' && list.r.code !== 0 ? list.r.stderr : list.r.stdout);
        if (!l.ok) {
          dev.error = { code: l.error.code, message: l.error.message };
          // an unreadable device is a state of the device; other parse failures are the probe's
          if (l.error.code !== FENCING_PARSE_ERRORS.sbdUnreadable && list.r.code === 0) note('failed', dev.error);
          continue;
        }
        if (list.r.code !== 0) {
          dev.error = { code: FENCING_PROBE_ERRORS.exit, message: `sbd list exited ${list.r.code}: ${firstLine(list.r.stderr)}` };
          continue;
        }
        dev.slots = l.value;
      }

      if (opts.stonithHistory) {
        const h = await run(STONITH_HISTORY_ARGV, 'stonith_admin --history');
        if (h.kind === 'data') {
          const p = parseStonithHistory(h.r.stdout);
          if (!p.ok) {
            const problem =
              h.r.code !== 0
                ? { code: FENCING_PROBE_ERRORS.exit, message: `stonith_admin exited ${h.r.code}: ${firstLine(h.r.stderr) || p.error.message}` }
                : { code: p.error.code, message: `${p.error.message}${h.r.truncated ? ' (output truncated)' : ''}` };
            report.problems.push(problem);
            note('failed', problem);
          } else {
            const stonith: StonithHistory = p.value;
            report.stonith = stonith;
            // not connected = Pacemaker is not running here: a state; any other error result is a failure
            if (stonith.code !== 0 && stonith.connected) {
              const problem = { code: FENCING_PROBE_ERRORS.stonith, message: `stonith_admin status ${stonith.code}: ${[stonith.message, ...stonith.errors].join('; ')}` };
              report.problems.push(problem);
              note('failed', problem);
            }
          }
        } else {
          report.problems.push(h.problem);
          if (h.kind !== 'absent') note(h.kind, h.problem);
        }
      }

      if (attempted > 0 && absent === attempted) {
        const message = report.problems[0]?.message ?? report.sbd[0]?.error?.message ?? 'sbd and stonith_admin not installed';
        return { status: 'absent', error: { code: FENCING_PROBE_ERRORS.absent, message }, samples: [], states: [] };
      }
      const samples = fencingSamples(report);
      const states = fencingStates(report);
      const w = worst as { status: 'timeout' | 'failed'; error: FencingProblem } | null;
      if (w !== null) return { status: w.status, error: { code: w.error.code, message: w.error.message.slice(0, 4096) }, report, samples, states };
      return { status: 'ok', report, samples, states };
    },
  };
};
