// The iscsi probe's outcomes with a fake Exec and a fake sysfs: absent, timeout, non-zero exits, garbage, the sysfs
// fallback, the shared timeout budget; and one run of the real iscsiadm where installed (no iSCSI here: no sessions).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { exec, type Exec, type ExecOptions, type ExecResult } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import { createIscsiProbe, ISCSIADM_NODE_ARGV, ISCSIADM_SESSION_ARGV, iscsiProbeOptions, nodeIscsiIo, type IscsiIo } from '../../../../agent/probes/iscsi/probe.js';
import type { ProbeContext } from '../../../../agent/probes/types.js';
import { captured, ISCSI_CASES_DIR, sysfsIo } from './replay.js';

const CASE = join(ISCSI_CASES_DIR, 'multipath-one-path-failed');
const SYSFS = readFileSync(join(CASE, 'sysfs.txt'), 'utf8');
const NO_SYSFS: IscsiIo = { listDir: async () => null, readFile: async () => null };
const exited = (code: number, stdout: string, stderr = '', truncated = false): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 5, truncated });
const fakeExec = (...answers: ExecResult[]) => {
  const calls: { argv: readonly string[]; options: ExecOptions }[] = [];
  const fn: Exec = async (argv, options) => {
    calls.push({ argv, options });
    const a = answers.shift();
    if (!a) throw new Error(`unexpected exec ${argv.join(' ')}`);
    return a;
  };
  return { fn, calls };
};
const ctxWith = (e: Exec, timeoutMs = 10_000, now: () => number = () => 0): ProbeContext => ({ exec: e, timeoutMs, node: 'n1', now });
const TIMEOUT: ExecResult = { kind: 'timeout', stdout: '', stderr: '', durationMs: 3000, truncated: false };

describe('iscsi probe', () => {
  it('options: defaults; bad options fail fast', () => {
    expect(iscsiProbeOptions()).toEqual({ nodes: true, sysfsSessionPath: '/sys/class/iscsi_session' });
    expect(() => createIscsiProbe({ nodes: 'yes' })).toThrow(/invalid iscsi probe options/);
  });

  it('runs -m session -P 3, then -m node with what is left of the budget', async () => {
    let t = 0;
    const f = fakeExec(captured(CASE, 'iscsiadm_-m_session_-P_3'), captured(CASE, 'iscsiadm_-m_node'));
    const o = await createIscsiProbe({}, sysfsIo(SYSFS)).run(ctxWith(f.fn, 8_000, () => (t += 1_000)));
    expect(f.calls.map((c) => [c.argv, c.options.timeoutMs])).toEqual([
      [ISCSIADM_SESSION_ARGV, 8_000],
      [ISCSIADM_NODE_ARGV, 7_000],
    ]);
    expect(o.status).toBe('ok');
    expect(o.report?.sessions).toHaveLength(3);
    expect(Value.Check(Observation, { probe: 'iscsi', at: 0, durationMs: 1, status: o.status, report: o.report, samples: o.samples, states: o.states })).toBe(true);
  });

  it('nodes: false runs only the session listing', async () => {
    const f = fakeExec(captured(CASE, 'iscsiadm_-m_session_-P_3'));
    const o = await createIscsiProbe({ nodes: false }, NO_SYSFS).run(ctxWith(f.fn));
    expect(f.calls).toHaveLength(1);
    expect(o.report?.nodes).toBeNull();
  });

  it('absent iscsiadm and no sysfs sessions → absent', async () => {
    const o = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec({ kind: 'absent', message: 'iscsiadm: not found' }).fn));
    expect(o).toEqual({ status: 'absent', error: { code: 'iscsi.absent', message: 'iscsiadm: not found' }, samples: [], states: [] });
  });

  it('absent iscsiadm but sessions in sysfs → ok from sysfs (target + state, no portal)', async () => {
    const o = await createIscsiProbe({}, sysfsIo(SYSFS)).run(ctxWith(fakeExec({ kind: 'absent', message: 'iscsiadm: not found' }).fn));
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ sessionsSource: 'sysfs', problems: [{ source: 'iscsiadm-session', code: 'iscsi.absent' }] });
    expect(o.states.map((s) => [s.id, s.state, s.availability])).toEqual([
      ['iqn.2026-01.lab.ha:disk1', 'LOGGED_IN', 'up'],
      ['iqn.2026-01.lab.ha:disk1~2', 'FAILED', 'down'],
      ['iqn.2026-01.lab.ha:disk2', 'LOGGED_IN', 'up'],
    ]);
  });

  it('iscsiadm hangs (stuck iscsid) → timeout, with the kernel view from sysfs attached', async () => {
    const o = await createIscsiProbe({}, sysfsIo(SYSFS)).run(ctxWith(fakeExec(TIMEOUT).fn, 3_000));
    expect(o.status).toBe('timeout');
    expect(o.status !== 'ok' && o.error).toEqual({ code: 'iscsi.timeout', message: 'iscsiadm -m session did not finish within 3000 ms' });
    expect(o.report?.sessionsSource).toBe('sysfs');
    expect(o.states).toHaveLength(3);
    const bare = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec(TIMEOUT).fn, 3_000));
    expect(bare).toMatchObject({ status: 'timeout', samples: [], states: [] });
    expect(bare.report).toBeUndefined();
  });

  it('exit 21 "No active sessions." is a state; another non-zero exit fails; garbage fails with the parser code', async () => {
    const none = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec(exited(21, '', 'iscsiadm: No active sessions.\n'), exited(21, '', 'iscsiadm: No records found\n')).fn));
    expect(none).toMatchObject({ status: 'ok', report: { sessions: [], nodes: [] } });
    const denied = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec(exited(22, '', 'iscsiadm: could not read session targetname: 5\n')).fn));
    expect(denied).toMatchObject({ status: 'failed', error: { code: 'iscsi.exit_status', message: 'iscsiadm -m session exited 22: iscsiadm: could not read session targetname: 5' } });
    const junk = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec(exited(0, 'garbage here\n')).fn));
    expect(junk).toMatchObject({ status: 'failed', error: { code: 'iscsi.bad_line' } });
    const p3 = captured(CASE, 'iscsiadm_-m_session_-P_3');
    const cut = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec(exited(0, p3.kind === 'exited' ? p3.stdout.slice(0, 200) : '', '', true)).fn));
    expect(cut).toMatchObject({ status: 'failed', error: { code: 'iscsi.truncated' } });
    expect(cut.status !== 'ok' && cut.error.message).toMatch(/output truncated/);
    const sig = await createIscsiProbe({}, NO_SYSFS).run(ctxWith(fakeExec({ kind: 'signalled', signal: 'SIGKILL', stdout: '', stderr: '', durationMs: 1, truncated: false }).fn));
    expect(sig).toMatchObject({ status: 'failed', error: { code: 'iscsi.signalled' } });
  });

  it('a failing node listing or sysfs read is a problem in the report, not a failed run', async () => {
    const brokenSysfs: IscsiIo = { listDir: async () => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); }, readFile: async () => null };
    const o = await createIscsiProbe({}, brokenSysfs).run(ctxWith(fakeExec(captured(CASE, 'iscsiadm_-m_session_-P_3'), TIMEOUT).fn));
    expect(o.status).toBe('ok');
    expect(o.report?.nodes).toBeNull();
    expect(o.report?.problems.map((p) => [p.source, p.code])).toEqual([
      ['iscsiadm-node', 'iscsi.timeout'],
      ['sysfs', 'iscsi.read_failed'],
    ]);
  });

  const HAVE = existsSync('/usr/sbin/iscsiadm') || existsSync('/sbin/iscsiadm');
  const NO_ISCSI = !existsSync('/sys/class/iscsi_session');
  it.skipIf(!HAVE || !NO_ISCSI)(`real iscsiadm here: no iSCSI in the kernel, so no sessions${HAVE && NO_ISCSI ? '' : ' (skipped: iscsiadm missing or sessions possible)'}`, async () => {
    const o = await createIscsiProbe({ nodes: false }, nodeIscsiIo).run({ exec, timeoutMs: 20_000, node: 'local', now: () => Date.now() });
    expect(o).toMatchObject({ status: 'ok', report: { sessionsSource: 'iscsiadm', sessions: [] } });
  });
});
