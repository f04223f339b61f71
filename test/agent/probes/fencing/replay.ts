// Helpers for the fencing tests: the fixture folder and a fake Exec that replays captured runs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exec, ExecOptions, ExecResult } from '../../../../agent/lib/exec.js';

export const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'probes', 'fencing');

/** A captured sbd step of sbd/fresh (`<step>.stdout|stderr|rc`), optionally with a device name swapped. */
export const fresh = (step: string, from?: string, to?: string): ExecResult => {
  const f = (e: string) => {
    const t = readFileSync(join(DIR, 'sbd', 'fresh', `${step}.${e}`), 'utf8');
    return from !== undefined && to !== undefined ? t.split(from).join(to) : t;
  };
  return { kind: 'exited', code: Number(f('rc').trim()), stdout: f('stdout'), stderr: f('stderr'), durationMs: 1, truncated: false };
};

/** A captured stonith_admin run (`stonith/<dir>/{stdout.xml,stderr.txt,rc}`). */
export const stonith = (dir: string): ExecResult => ({
  kind: 'exited',
  code: Number(readFileSync(join(DIR, dir, 'rc'), 'utf8').trim()),
  stdout: readFileSync(join(DIR, dir, 'stdout.xml'), 'utf8'),
  stderr: readFileSync(join(DIR, dir, 'stderr.txt'), 'utf8'),
  durationMs: 1,
  truncated: false,
});

/** A fake Exec answering by argv (joined with spaces); records the calls. */
export const replay = (answers: Record<string, ExecResult | { dir: string }>) => {
  const calls: { argv: readonly string[]; options: ExecOptions }[] = [];
  const fn: Exec = async (argv, options) => {
    calls.push({ argv, options });
    const a = answers[argv.join(' ')];
    if (a === undefined) throw new Error(`unexpected exec ${argv.join(' ')}`);
    return 'dir' in a ? stonith(a.dir) : a;
  };
  return { fn, calls };
};
