// The probe's mapping of crm_mon runs to outcomes, with a fake Exec fed real outputs, plus one run of the
// real crm_mon on this machine (no cluster runs here, so that is the real "not connected" case).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { exec, type Exec, type ExecOptions, type ExecResult } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import { CRM_MON_ARGV, CRM_MON_LEGACY_ARGV, pacemakerProbe } from '../../../../agent/probes/pacemaker/probe.js';
import type { ProbeContext } from '../../../../agent/probes/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'pacemaker');
const input = (c: string): string => readFileSync(join(GOLDEN, c, 'input.xml'), 'utf8');

/** Exact stderr of Pacemaker 2.1.5 `crm_mon --as-xml` on a node where the cluster is down (stdout: `<crm_mon version="2.1.5"/>`, exit 102). */
const NOT_CONNECTED_STDERR = 'Not connected\nerror: Could not connect to launcher: Connection refused\ncrm_mon: Connection to cluster failed: Connection refused\n';

const exited = (code: number, stdout: string, stderr = '', truncated = false): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 5, truncated });

/** A fake Exec that answers each call from a list and records what it was asked. */
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

type Outcome = Awaited<ReturnType<typeof pacemakerProbe.run>>;
const errOf = (o: Outcome) => (o.status === 'ok' ? undefined : o.error);

const ctxWith = (e: Exec, timeoutMs = 10_000): ProbeContext => ({ exec: e, timeoutMs, node: 'node1', now: () => 1_700_000_000_000 });

/** The outcome as the agent would push it: must satisfy the protocol schema. */
const asObservation = (o: Outcome) => ({
  probe: pacemakerProbe.name,
  at: 1_700_000_000_000,
  durationMs: 5,
  status: o.status,
  ...(o.status === 'ok' ? {} : { error: o.error }),
  ...(o.report === undefined ? {} : { report: o.report }),
  samples: o.samples,
  states: o.states,
});

describe('pacemakerProbe', () => {
  it('is named pacemaker and runs crm_mon --output-as=xml --include=all with the context timeout', async () => {
    expect(pacemakerProbe.name).toBe('pacemaker');
    expect(CRM_MON_ARGV).toEqual(['crm_mon', '--output-as=xml', '--include=all']);
    const f = fakeExec(exited(0, input('live-01-healthy')));
    const o = await pacemakerProbe.run(ctxWith(f.fn, 7_000));
    expect(f.calls).toEqual([{ argv: CRM_MON_ARGV, options: { timeoutMs: 7_000 } }]);
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.report).toMatchObject({ running: true, dc: { name: 'node1', withQuorum: true } });
    expect(o.samples).toContainEqual({ metric: 'hawatch_pacemaker_running', labels: {}, value: 1 });
    expect(o.states).toContainEqual({ kind: 'pcmk_cluster', id: 'cluster', state: 'quorate', availability: 'up' });
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });

  it('absent crm_mon → status absent, code pacemaker.absent, no samples', async () => {
    const o = await pacemakerProbe.run(ctxWith(fakeExec({ kind: 'absent', message: 'crm_mon: not found' }).fn));
    expect(o).toEqual({ status: 'absent', error: { code: 'pacemaker.absent', message: 'crm_mon: not found' }, samples: [], states: [] });
  });

  it('timeout → status timeout', async () => {
    const o = await pacemakerProbe.run(ctxWith(fakeExec({ kind: 'timeout', stdout: '<pacemaker-result', stderr: '', durationMs: 3000, truncated: false }).fn, 3000));
    expect(o.status).toBe('timeout');
    expect(errOf(o)).toEqual({ code: 'pacemaker.timeout', message: 'crm_mon did not finish within 3000 ms' });
  });

  it('exit 102 with the real not-running XML → ok, running false (Pacemaker is down on this node: data, not failure)', async () => {
    const o = await pacemakerProbe.run(ctxWith(fakeExec(exited(102, input('live-13-cluster-not-running'))).fn));
    expect(o.status).toBe('ok');
    expect(o.report).toEqual({
      running: false,
      code: 102,
      message: 'Not connected',
      errors: ['error: Could not connect to launcher: Connection refused', 'crm_mon: Connection to cluster failed: Connection refused'],
    });
    expect(o.samples).toContainEqual({ metric: 'hawatch_pacemaker_running', labels: {}, value: 0 });
    expect(o.states).toEqual([{ kind: 'pcmk_cluster', id: 'cluster', state: 'not-running', availability: 'down' }]);
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });

  it('exit 102 with an empty legacy document and the reason on stderr (2.1.5 --as-xml) → ok, running false', async () => {
    const o = await pacemakerProbe.run(ctxWith(fakeExec(exited(102, '<crm_mon version="2.1.5"/>\n', NOT_CONNECTED_STDERR)).fn));
    expect(o.status).toBe('ok');
    expect(o.report).toEqual({
      running: false,
      code: 102,
      message: 'Not connected',
      errors: ['error: Could not connect to launcher: Connection refused', 'crm_mon: Connection to cluster failed: Connection refused'],
    });
  });

  it('another non-zero exit with a full result is still read (the XML carries the data)', async () => {
    const o = await pacemakerProbe.run(ctxWith(fakeExec(exited(1, input('live-12-quorum-lost'), 'warning: something')).fn));
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ running: true, dc: { withQuorum: false } });
  });

  it('another non-zero exit with an error result → failed with the result attached', async () => {
    const xml = '<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml --include=all">\n  <status code="13" message="Insufficient privileges">\n    <errors><error>crm_mon: Access denied</error></errors>\n  </status>\n</pacemaker-result>\n';
    const o = await pacemakerProbe.run(ctxWith(fakeExec(exited(13, xml)).fn));
    expect(o.status).toBe('failed');
    expect(errOf(o)).toEqual({ code: 'pacemaker.crm_mon_error', message: 'crm_mon status 13: Insufficient privileges; crm_mon: Access denied' });
    expect(o.report).toEqual({ running: false, code: 13, message: 'Insufficient privileges', errors: ['crm_mon: Access denied'] });
    expect(o.samples).toEqual([]);
  });

  it('another non-zero exit without XML → failed with the first stderr line', async () => {
    const o = await pacemakerProbe.run(ctxWith(fakeExec(exited(1, '', '\ncrm_mon: fatal thing happened\nmore\n')).fn));
    expect(o.status).toBe('failed');
    expect(errOf(o)).toEqual({ code: 'pacemaker.exit_status', message: 'crm_mon exited 1: crm_mon: fatal thing happened' });
  });

  it('exit 0 with output that is not crm_mon XML → failed with the parser error code', async () => {
    const garbage = await pacemakerProbe.run(ctxWith(fakeExec(exited(0, 'Cluster Summary:\n  * Stack: corosync\n')).fn));
    expect(garbage.status).toBe('failed');
    expect(errOf(garbage)?.code).toBe('pacemaker.not_xml');
    const text = input('live-01-healthy');
    const cut = await pacemakerProbe.run(ctxWith(fakeExec(exited(0, text.slice(0, text.length / 2), '', true)).fn));
    expect(cut.status).toBe('failed');
    expect(errOf(cut)?.code).toBe('pacemaker.invalid_xml');
    expect(errOf(cut)?.message).toMatch(/output truncated/);
    const empty = await pacemakerProbe.run(ctxWith(fakeExec(exited(0, '')).fn));
    expect(errOf(empty)?.code).toBe('pacemaker.empty');
  });

  it('killed by a signal or not startable → failed', async () => {
    const sig = await pacemakerProbe.run(ctxWith(fakeExec({ kind: 'signalled', signal: 'SIGSEGV', stdout: '', stderr: '', durationMs: 1, truncated: false }).fn));
    expect(sig).toMatchObject({ status: 'failed', error: { code: 'pacemaker.signalled' } });
    const err = await pacemakerProbe.run(ctxWith(fakeExec({ kind: 'error', message: 'crm_mon: EMFILE' }).fn));
    expect(err).toMatchObject({ status: 'failed', error: { code: 'pacemaker.exec_failed', message: 'crm_mon: EMFILE' } });
  });

  it('falls back to legacy --as-xml when crm_mon refuses --output-as (Pacemaker 1.1 / early 2.0), within the same budget', async () => {
    const legacy = readFileSync(join(GOLDEN, 'live-01-healthy', 'input.xml'), 'utf8')
      .replace(/^<pacemaker-result[^>]*>/, '<crm_mon version="2.0.0">')
      .replace('</pacemaker-result>', '</crm_mon>');
    const f = fakeExec(exited(64, '', "crm_mon: unrecognized option '--output-as=xml'\nusage: crm_mon [options]\n"), exited(0, legacy));
    let t = 0;
    const ctx: ProbeContext = { exec: f.fn, timeoutMs: 10_000, node: 'n', now: () => (t += 1500) };
    const o = await pacemakerProbe.run(ctx);
    expect(f.calls.map((c) => c.argv)).toEqual([CRM_MON_ARGV, CRM_MON_LEGACY_ARGV]);
    expect(f.calls[1]?.options.timeoutMs).toBe(8_500);
    expect(o.status).toBe('ok');
    expect(o.report).toMatchObject({ running: true, format: 'legacy-crm_mon', apiVersion: '2.0.0' });
  });

  it('does not fall back for other failures', async () => {
    const f = fakeExec(exited(1, '', 'crm_mon: some other problem\n'));
    const o = await pacemakerProbe.run(ctxWith(f.fn));
    expect(f.calls).toHaveLength(1);
    expect(o.status).toBe('failed');
  });

  const HAVE_CRM_MON = existsSync('/usr/sbin/crm_mon') || existsSync('/usr/bin/crm_mon');
  it.skipIf(!HAVE_CRM_MON)(`real crm_mon on this machine through the real exec${HAVE_CRM_MON ? '' : ' (skipped: crm_mon not installed)'}`, async () => {
    const o = await pacemakerProbe.run({ exec, timeoutMs: 20_000, node: 'local', now: () => Date.now() });
    // No cluster runs on a build machine: expect the "not connected" report; a cluster node gives a full one.
    expect(o.status).toBe('ok');
    if (o.report && !o.report.running) {
      expect(o.report.code).toBe(102);
      expect(o.report.message).toBe('Not connected');
    }
    expect(Value.Check(Observation, asObservation(o))).toBe(true);
  });
});
