// Finding keepalived: a fake /proc tree for the rules, and a real process named keepalived (a copy of sleep) for
// the pid file, /proc/PID/comm and the start time from /proc/PID/stat + btime.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKeepalived, nodeVrrpIo } from '../../../../agent/probes/vrrp/io.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'hwvr-io-'));
  dirs.push(d);
  return d;
};

/** A /proc with processes `pid → [comm, ppid, starttime ticks]` and btime 1795400000. */
const fakeProc = (procs: Record<number, [string, number, number]>): string => {
  const root = tmp();
  writeFileSync(join(root, 'stat'), 'cpu  1 2 3\nbtime 1795400000\nprocesses 5\n');
  for (const [pid, [comm, ppid, start]] of Object.entries(procs)) {
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, 'comm'), `${comm}\n`);
    // Field 2 is "(comm)", which may hold spaces and parentheses; fields are counted after the last ')'.
    writeFileSync(join(root, pid, 'stat'), `${pid} (${comm} (x)) S ${ppid} ${pid} ${pid} 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 100\n`);
  }
  mkdirSync(join(root, 'self'));
  return root;
};

describe('findKeepalived', () => {
  it('the pid file, checked against /proc/PID/comm, with the start time', async () => {
    const proc = fakeProc({ 100: ['keepalived', 1, 5_000], 101: ['keepalived', 100, 5_010] });
    const pidFile = join(tmp(), 'keepalived.pid');
    writeFileSync(pidFile, '100\n');
    expect(await findKeepalived(pidFile, proc)).toEqual({ running: true, pid: 100, startedAtMs: 1_795_400_000_000 + 50_000 });
  });

  it('a stale pid file (another program has the pid now) or none: the parent keepalived from the process list', async () => {
    const proc = fakeProc({ 7: ['bash', 1, 10], 100: ['keepalived', 1, 5_000], 101: ['keepalived', 100, 5_010], 102: ['keepalived', 100, 5_010] });
    const pidFile = join(tmp(), 'keepalived.pid');
    writeFileSync(pidFile, '7\n');
    expect((await findKeepalived(pidFile, proc)).pid).toBe(100);
    expect((await findKeepalived(join(tmp(), 'missing.pid'), proc)).pid).toBe(100);
  });

  it('no keepalived anywhere: not running', async () => {
    const proc = fakeProc({ 7: ['bash', 1, 10] });
    expect(await findKeepalived(join(tmp(), 'missing.pid'), proc)).toEqual({ running: false, pid: null, startedAtMs: null });
    expect(await findKeepalived(join(tmp(), 'missing.pid'), join(tmp(), 'no-proc'))).toEqual({ running: false, pid: null, startedAtMs: null });
  });

  it('a real process named keepalived on this machine: found by its pid file, start time within seconds of now', async () => {
    const dir = tmp();
    const bin = join(dir, 'keepalived');
    copyFileSync('/bin/sleep', bin);
    const child = spawn(bin, ['30'], { stdio: 'ignore' });
    children.push(child);
    const started = Date.now();
    const pidFile = join(dir, 'keepalived.pid');
    writeFileSync(pidFile, `${child.pid}\n`);
    await new Promise((r) => setTimeout(r, 100));
    const k = await nodeVrrpIo.keepalivedProcess(pidFile);
    expect(k.running).toBe(true);
    expect(k.pid).toBe(child.pid);
    // USER_HZ = 100 and btime are whole seconds: allow the rounding.
    expect(Math.abs((k.startedAtMs ?? 0) - started)).toBeLessThan(2_500);
  });

  it('readFile: missing is an ordinary answer; a directory is not a file', async () => {
    const dir = tmp();
    expect(await nodeVrrpIo.readFile(join(dir, 'nope'))).toMatchObject({ ok: false, missing: true, code: 'ENOENT' });
    expect(await nodeVrrpIo.readFile(dir)).toMatchObject({ ok: false, missing: false, code: 'ENOTFILE' });
    writeFileSync(join(dir, 'f'), 'x');
    expect(await nodeVrrpIo.readFile(join(dir, 'f'))).toMatchObject({ ok: true, text: 'x' });
    expect(await nodeVrrpIo.listDir(dir)).toEqual(['f']);
    expect(await nodeVrrpIo.listDir(join(dir, 'nope'))).toBeNull();
    expect(nodeVrrpIo.signal(2 ** 22 + 12345, 0)).toMatch(/ESRCH/);
  });
});
