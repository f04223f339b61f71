// The fencing probe's outcomes with a fake Exec fed real captures: absent, timeout, unreadable devices, not connected,
// garbage, one budget for all commands; and the real stonith_admin here (no cluster: not connected).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import Value from 'typebox/value';
import { exec, type ExecResult } from '../../../../agent/lib/exec.js';
import { Observation } from '../../../../agent/protocol/index.js';
import { createFencingProbe, fencingProbeOptions, STONITH_HISTORY_ARGV } from '../../../../agent/probes/fencing/probe.js';
import type { ProbeContext } from '../../../../agent/probes/types.js';
import { fresh, replay, stonith } from './replay.js';

const H = STONITH_HISTORY_ARGV.join(' ');
const ABSENT = (p: string): ExecResult => ({ kind: 'absent', message: `${p}: not found` });
const TIMEOUT: ExecResult = { kind: 'timeout', stdout: '', stderr: '', durationMs: 1, truncated: false };
const exited = (code: number, stdout: string, stderr = ''): ExecResult => ({ kind: 'exited', code, stdout, stderr, durationMs: 1, truncated: false });
const ctx = (fn: ProbeContext['exec'], timeoutMs = 10_000, now: () => number = () => 0): ProbeContext => ({ exec: fn, timeoutMs, node: 'n1', now });

describe('fencing probe', () => {
  it('options: defaults; device paths must be absolute; at most 3 (sbd supports up to 3)', () => {
    expect(fencingProbeOptions()).toEqual({ sbdDevices: [], stonithHistory: true });
    expect(() => createFencingProbe({ sbdDevices: ['sdb'] })).toThrow(/invalid fencing probe options/);
    expect(() => createFencingProbe({ sbdDevices: ['/a', '/b', '/c', '/d'] })).toThrow(/invalid fencing probe options/);
  });

  it('stonith_admin runs with --verbose (the plain XML of Pacemaker 2.1.5 hides failed and pending fencing)', async () => {
    expect(STONITH_HISTORY_ARGV).toEqual(['stonith_admin', '--history', '*', '--output-as=xml', '--verbose']);
    const r = replay({ [H]: { dir: 'stonith/06-history-done-verbose' } });
    const o = await createFencingProbe().run(ctx(r.fn, 5_000));
    expect(r.calls).toEqual([{ argv: STONITH_HISTORY_ARGV, options: { timeoutMs: 5_000 } }]);
    expect(o.status).toBe('ok');
    expect(o.report?.stonith?.events).toHaveLength(4);
    expect(o.samples).toContainEqual({ metric: 'hawatch_fencing_fence_events', labels: { status: 'failed' }, value: 1 });
    expect(Value.Check(Observation, { probe: 'fencing', at: 0, durationMs: 1, status: o.status, report: o.report, samples: o.samples, states: o.states })).toBe(true);
  });

  it('fencer not running (real exit 102 "Not connected") is a state: ok, connected 0, no fence states', async () => {
    const o = await createFencingProbe().run(ctx(replay({ [H]: { dir: 'stonith/not-connected' } }).fn));
    expect(o.status).toBe('ok');
    expect(o.report?.stonith).toMatchObject({ connected: false, code: 102 });
    expect(o.samples).toEqual([{ metric: 'hawatch_fencing_stonith_connected', labels: {}, value: 0 }]);
    expect(o.states).toEqual([]);
  });

  it('all tools absent → absent; sbd absent but stonith_admin there → ok with the devices marked', async () => {
    const all = await createFencingProbe({ sbdDevices: ['/dev/sdb', '/dev/sdc'] }).run(ctx(replay({ 'sbd -d /dev/sdb dump': ABSENT('sbd'), [H]: ABSENT('stonith_admin') }).fn));
    expect(all).toEqual({ status: 'absent', error: { code: 'fencing.absent', message: 'stonith_admin: not found' }, samples: [], states: [] });
    const some = await createFencingProbe({ sbdDevices: ['/dev/sdb'] }).run(ctx(replay({ 'sbd -d /dev/sdb dump': ABSENT('sbd'), [H]: { dir: 'stonith/01-empty-verbose' } }).fn));
    expect(some.status).toBe('ok');
    expect(some.states).toEqual([{ kind: 'sbd_device', id: '/dev/sdb', state: 'sbd-not-installed', availability: 'unknown' }]);
  });

  it('an uninitialised / unreadable device is a device state (down), not a probe failure; list is not run for it', async () => {
    const r = replay({ 'sbd -d /dev/loop0 dump': fresh('01-dump-uninitialised'), [H]: { dir: 'stonith/01-empty-verbose' } });
    const o = await createFencingProbe({ sbdDevices: ['/dev/loop0'] }).run(ctx(r.fn));
    expect(r.calls.map((c) => c.argv.join(' '))).toEqual(['sbd -d /dev/loop0 dump', H]);
    expect(o.status).toBe('ok');
    expect(o.states).toEqual([{ kind: 'sbd_device', id: '/dev/loop0', state: 'unreadable', availability: 'down' }]);
    expect(o.samples).toContainEqual({ metric: 'hawatch_fencing_sbd_device_readable', labels: { device: '/dev/loop0' }, value: 0 });
  });

  it('slots with a pending reset/crashdump are down; exit degraded; clear up', async () => {
    const run = (list: string) =>
      createFencingProbe({ sbdDevices: ['/dev/loop0'], stonithHistory: false }).run(ctx(replay({ 'sbd -d /dev/loop0 dump': fresh('04-dump'), 'sbd -d /dev/loop0 list': fresh(list) }).fn));
    const exitOut = await run('10-list-exit');
    expect(exitOut.states.filter((s) => s.kind === 'sbd_slot').map((s) => [s.id, s.state, s.availability])).toEqual([
      ['/dev/loop0:alpha', 'clear', 'up'],
      ['/dev/loop0:beta.example.com', 'exit', 'degraded'],
    ]);
    expect(exitOut.samples).toContainEqual({ metric: 'hawatch_fencing_sbd_msgwait_timeout_seconds', labels: { device: '/dev/loop0' }, value: 40 });
    const empty = await run('05-list-empty');
    expect(empty.report?.sbd[0]?.slots).toEqual([]);
  });

  it('a hung sbd (timeout) → status timeout with what was read; later commands get what is left of one budget', async () => {
    let t = 0;
    const r = replay({ 'sbd -d /dev/sdb dump': TIMEOUT, [H]: { dir: 'stonith/01-empty-verbose' } });
    const o = await createFencingProbe({ sbdDevices: ['/dev/sdb'] }).run(ctx(r.fn, 9_000, () => (t += 4_000)));
    expect(r.calls.map((c) => c.options.timeoutMs)).toEqual([5_000, 1_000]);
    expect(o.status).toBe('timeout');
    expect(o.status !== 'ok' && o.error.code).toBe('fencing.timeout');
    expect(o.report?.stonith?.connected).toBe(true);
    expect(o.states).toEqual([{ kind: 'sbd_device', id: '/dev/sdb', state: 'unreadable', availability: 'down' }]);
  });

  it('garbage from stonith_admin → failed with the parser code; another non-zero exit → exit_status', async () => {
    const junk = await createFencingProbe().run(ctx(replay({ [H]: exited(0, 'what\n') }).fn));
    expect(junk).toMatchObject({ status: 'failed', error: { code: 'fencing.not_xml' } });
    const bad = await createFencingProbe().run(ctx(replay({ [H]: exited(64, '', "stonith_admin: Unknown option '--output-as=xml'\n") }).fn));
    expect(bad).toMatchObject({ status: 'failed', error: { code: 'fencing.exit_status' } });
    const denied = await createFencingProbe().run(ctx(replay({ [H]: exited(13, '<pacemaker-result api-version="2.25" request="stonith_admin --history *"><status code="13" message="Insufficient privileges"/></pacemaker-result>') }).fn));
    expect(denied).toMatchObject({ status: 'failed', error: { code: 'fencing.stonith_error' } });
    expect(stonith('stonith/01-empty').kind).toBe('exited');
  });

  const HAVE = existsSync('/usr/sbin/stonith_admin');
  it.skipIf(!HAVE)(`real stonith_admin through the real exec${HAVE ? '' : ' (skipped: stonith_admin not installed)'}`, async () => {
    const o = await createFencingProbe().run({ exec, timeoutMs: 20_000, node: 'local', now: () => Date.now() });
    // no cluster runs on a build machine: "not connected"; on a cluster node the real history
    expect(o.status).toBe('ok');
    if (o.report?.stonith?.connected === false) expect(o.report.stonith.code).toBe(102);
    expect(Value.Check(Observation, { probe: 'fencing', at: 0, durationMs: 1, status: o.status, report: o.report, samples: o.samples, states: o.states })).toBe(true);
  });
});
