// The iscsi probe: `iscsiadm -m session -P 3` for the sessions, `iscsiadm -m node` for the configured records, and
// the kernel's /sys/class/iscsi_session (through an injected reader) as the fallback when iscsiadm cannot answer
// (not installed, hung behind a stuck iscsid, failing). One timeout budget for the whole run.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { ExecResult } from '../../lib/exec.js';
import type { IscsiProblem, IscsiReport, IscsiSession } from '../../protocol/iscsi.js';
import type { Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { iscsiSamples, iscsiStates } from './observe.js';
import { iscsiSysfsSessions, NO_ACTIVE_SESSIONS, NO_RECORDS, parseIscsiadmNode, parseIscsiadmSession, type SysfsSessionEntry } from './parse.js';

export const ISCSIADM_SESSION_ARGV = ['iscsiadm', '-m', 'session', '-P', '3'] as const;
export const ISCSIADM_NODE_ARGV = ['iscsiadm', '-m', 'node'] as const;
/** open-iscsi's ISCSI_ERR_NO_OBJS_FOUND: "No active sessions." / "No records found". */
export const ISCSI_ERR_NO_OBJS_FOUND = 21;

export const ISCSI_PROBE_ERRORS = {
  absent: 'iscsi.absent',
  timeout: 'iscsi.timeout',
  exec: 'iscsi.exec_failed',
  signalled: 'iscsi.signalled',
  exit: 'iscsi.exit_status',
  read: 'iscsi.read_failed',
} as const;

export const IscsiProbeOptions = Type.Object(
  {
    /** Also list configured node records, so a configured target without a session shows. */
    nodes: Type.Boolean({ default: true }),
    /** The kernel's session directory; "" = never read sysfs. */
    sysfsSessionPath: Type.String({ default: '/sys/class/iscsi_session' }),
  },
  { additionalProperties: false, default: {} },
);
export type IscsiProbeOptions = Static<typeof IscsiProbeOptions>;

export class IscsiOptionsError extends Error {
  override readonly name = 'IscsiOptionsError';
  readonly code = 'iscsi.bad_options';
}

export const iscsiProbeOptions = (raw: unknown = {}): IscsiProbeOptions => {
  const v = Value.Default(IscsiProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(IscsiProbeOptions, v)) {
    const problems = [...Value.Errors(IscsiProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new IscsiOptionsError(`invalid iscsi probe options: ${problems.join('; ')}`);
  }
  return v as IscsiProbeOptions;
};

/** File access for sysfs; null = does not exist. Other errors are thrown. */
export interface IscsiIo {
  listDir: (path: string) => Promise<string[] | null>;
  readFile: (path: string) => Promise<string | null>;
}

const missing = (e: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');
export const nodeIscsiIo: IscsiIo = {
  listDir: async (p) => {
    try {
      return await readdir(p);
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
  },
  readFile: async (p) => {
    try {
      return await readFile(p, 'utf8');
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
  },
};

type Outcome = ProbeOutcome<IscsiReport>;

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? '';

/** Sessions from sysfs; null when the directory does not exist (no iSCSI transport loaded). */
const readSysfs = async (io: IscsiIo, dir: string): Promise<{ ok: true; sessions: IscsiSession[] | null } | { ok: false; problem: IscsiProblem }> => {
  if (dir === '') return { ok: true, sessions: null };
  try {
    const names = await io.listDir(dir);
    if (names === null) return { ok: true, sessions: null };
    const entries: SysfsSessionEntry[] = [];
    for (const name of names.filter((n) => /^session\d+$/.test(n)).sort()) {
      const [targetname, state] = await Promise.all([io.readFile(join(dir, name, 'targetname')), io.readFile(join(dir, name, 'state'))]);
      entries.push({ name, targetname, state });
    }
    const s = iscsiSysfsSessions(entries);
    if (!s.ok) return { ok: false, problem: { source: 'sysfs', code: s.error.code, message: s.error.message } };
    return { ok: true, sessions: s.value };
  } catch (e) {
    return { ok: false, problem: { source: 'sysfs', code: ISCSI_PROBE_ERRORS.read, message: `${dir}: ${(e as Error).message}` } };
  }
};

type Step = { ok: true; report: IscsiReport } | { ok: false; status: 'absent' | 'failed' | 'timeout'; code: string; message: string };

const sessionStep = (r: ExecResult, timeoutMs: number): Step => {
  switch (r.kind) {
    case 'absent':
      return { ok: false, status: 'absent', code: ISCSI_PROBE_ERRORS.absent, message: r.message };
    case 'error':
      return { ok: false, status: 'failed', code: ISCSI_PROBE_ERRORS.exec, message: r.message };
    case 'timeout':
      return { ok: false, status: 'timeout', code: ISCSI_PROBE_ERRORS.timeout, message: `iscsiadm -m session did not finish within ${timeoutMs} ms` };
    case 'signalled':
      return { ok: false, status: 'failed', code: ISCSI_PROBE_ERRORS.signalled, message: `iscsiadm killed by ${r.signal}: ${firstLine(r.stderr)}` };
    case 'exited':
      break;
  }
  // open-iscsi 2.1.8: "iscsiadm: No active sessions." on stderr, nothing on stdout, exit 21: no sessions is a state
  if (r.code === ISCSI_ERR_NO_OBJS_FOUND && r.stdout.trim() === '' && NO_ACTIVE_SESSIONS.test(r.stderr)) {
    const p = parseIscsiadmSession(r.stderr);
    if (p.ok) return { ok: true, report: p.value };
  }
  if (r.code !== 0) return { ok: false, status: 'failed', code: ISCSI_PROBE_ERRORS.exit, message: `iscsiadm -m session exited ${r.code}: ${firstLine(r.stderr) || firstLine(r.stdout)}` };
  const p = parseIscsiadmSession(r.stdout);
  if (!p.ok) return { ok: false, status: 'failed', code: p.error.code, message: `${p.error.message}${r.truncated ? ' (output truncated)' : ''}` };
  return { ok: true, report: p.value };
};

const nodeStep = (r: ExecResult, timeoutMs: number): { nodes: IscsiReport['nodes']; problem: IscsiProblem | null } => {
  const problem = (code: string, message: string) => ({ nodes: null, problem: { source: 'iscsiadm-node' as const, code, message } });
  switch (r.kind) {
    case 'absent':
      return problem(ISCSI_PROBE_ERRORS.absent, r.message);
    case 'error':
      return problem(ISCSI_PROBE_ERRORS.exec, r.message);
    case 'timeout':
      return problem(ISCSI_PROBE_ERRORS.timeout, `iscsiadm -m node did not finish within ${timeoutMs} ms`);
    case 'signalled':
      return problem(ISCSI_PROBE_ERRORS.signalled, `iscsiadm killed by ${r.signal}`);
    case 'exited':
      break;
  }
  if (r.code === ISCSI_ERR_NO_OBJS_FOUND && r.stdout.trim() === '' && NO_RECORDS.test(r.stderr)) return { nodes: [], problem: null };
  if (r.code !== 0) return problem(ISCSI_PROBE_ERRORS.exit, `iscsiadm -m node exited ${r.code}: ${firstLine(r.stderr)}`);
  const p = parseIscsiadmNode(r.stdout);
  if (!p.ok) return problem(p.error.code, p.error.message);
  return { nodes: p.value, problem: null };
};

export const createIscsiProbe = (options: unknown = {}, io: IscsiIo = nodeIscsiIo): Probe<IscsiReport> => {
  const opts = iscsiProbeOptions(options);
  return {
    name: 'iscsi',
    async run(ctx: ProbeContext): Promise<Outcome> {
      const started = ctx.now();
      const left = (): number => Math.max(0, ctx.timeoutMs - (ctx.now() - started));
      const step = sessionStep(await ctx.exec(ISCSIADM_SESSION_ARGV, { timeoutMs: ctx.timeoutMs }), ctx.timeoutMs);
      const problems: IscsiProblem[] = [];
      let nodes: IscsiReport['nodes'] = null;
      if (opts.nodes && step.ok) {
        const budget = left();
        if (budget <= 0) problems.push({ source: 'iscsiadm-node', code: ISCSI_PROBE_ERRORS.timeout, message: 'no time left for iscsiadm -m node' });
        else {
          const n = nodeStep(await ctx.exec(ISCSIADM_NODE_ARGV, { timeoutMs: budget }), budget);
          nodes = n.nodes;
          if (n.problem) problems.push(n.problem);
        }
      }
      const sys = await readSysfs(io, opts.sysfsSessionPath);
      if (!sys.ok) problems.push(sys.problem);

      if (step.ok) {
        const report: IscsiReport = { ...step.report, nodes, problems };
        // iscsiadm prints "iSCSI Session State: Unknown" when it cannot read the state file: take the kernel's from sysfs
        if (sys.ok && sys.sessions) {
          for (const s of report.sessions) {
            if (s.sessionState === null) s.sessionState = sys.sessions.find((x) => x.sid === s.sid)?.sessionState ?? null;
          }
        }
        return { status: 'ok', report, samples: iscsiSamples(report), states: iscsiStates(report) };
      }
      const error = { code: step.code, message: step.message.slice(0, 4096) };
      // iscsiadm could not answer; the kernel's own view still tells which sessions exist and their state
      if (sys.ok && sys.sessions !== null && sys.sessions.length > 0) {
        const report: IscsiReport = {
          sessionsSource: 'sysfs',
          iscsiadmVersion: null,
          transportClassVersion: null,
          sessions: sys.sessions,
          nodes: null,
          problems: [{ source: 'iscsiadm-session', code: step.code, message: error.message }, ...problems],
        };
        // not installed but the kernel has sessions: another tool made them; the sysfs view is the answer
        if (step.status === 'absent') return { status: 'ok', report, samples: iscsiSamples(report), states: iscsiStates(report) };
        return { status: step.status, error, report, samples: iscsiSamples(report), states: iscsiStates(report) };
      }
      return { status: step.status, error, samples: [], states: [] };
    },
  };
};
