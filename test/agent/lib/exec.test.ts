import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { exec } from '../../../agent/lib/exec.js';

/** Running, not a zombie: in a container the reaper (pid 1) may leave killed orphans as zombies. */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};

describe('exec', () => {
  it('returns stdout, stderr and the exit code of a real program', async () => {
    const r = await exec(['sh', '-c', 'echo out; echo err >&2; exit 0'], { timeoutMs: 5_000 });
    expect(r).toMatchObject({ kind: 'exited', code: 0, stdout: 'out\n', stderr: 'err\n', truncated: false });
  });

  it('treats a non-zero exit code as data, not as an error', async () => {
    // corosync-quorumtool exits 2 when not quorate: the output is still what we parse.
    const r = await exec(['sh', '-c', 'echo "Quorate: No"; exit 2'], { timeoutMs: 5_000 });
    expect(r).toMatchObject({ kind: 'exited', code: 2, stdout: 'Quorate: No\n' });
  });

  it('reports a missing binary as absent', async () => {
    const r = await exec(['hawatch-no-such-tool-xyz', '--version'], { timeoutMs: 5_000 });
    expect(r.kind).toBe('absent');
    if (r.kind === 'absent') expect(r.message).toContain('not found');
  });

  it('kills a hung command on timeout, with the processes it started', async () => {
    const started = Date.now();
    // The shell starts a grandchild sleep; a timeout must kill the whole process group, not just the shell.
    const r = await exec(['sh', '-c', 'sleep 1000 & echo $!; wait'], { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.kind).toBe('timeout');
    if (r.kind !== 'timeout') return;
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(1);
    await new Promise((res) => setTimeout(res, 200));
    expect(alive(grandchild)).toBe(false);
  });

  it('kills a plain `sleep 1000` on timeout', async () => {
    const r = await exec(['sleep', '1000'], { timeoutMs: 200 });
    expect(r.kind).toBe('timeout');
    const left = execFileSync('sh', ['-c', 'pgrep -f "^sleep 1000$" || true']).toString().trim().split('\n').filter(Boolean);
    expect(left.filter((pid) => alive(Number(pid)))).toEqual([]);
  });

  it('runs with LC_ALL=C and no shell interpretation of arguments', async () => {
    const r = await exec(['sh', '-c', 'echo "$LC_ALL" "$1"', 'sh', '$(id); `x`'], { timeoutMs: 5_000 });
    expect(r).toMatchObject({ kind: 'exited', code: 0, stdout: 'C $(id); `x`\n' });
  });

  it('caps the output it keeps and says so', async () => {
    const r = await exec(['sh', '-c', 'head -c 100000 /dev/zero'], { timeoutMs: 5_000, maxOutputBytes: 1000 });
    expect(r.kind).toBe('exited');
    if (r.kind === 'exited') {
      expect(r.stdout.length).toBe(1000);
      expect(r.truncated).toBe(true);
    }
  });

  it('reports a program killed by a signal', async () => {
    const r = await exec(['sh', '-c', 'kill -9 $$'], { timeoutMs: 5_000 });
    expect(r).toMatchObject({ kind: 'signalled', signal: 'SIGKILL' });
  });
});
