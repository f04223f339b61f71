// Helpers for the iscsi tests: the golden case folder, and fakes that replay its captures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exec, ExecResult } from '../../../../agent/lib/exec.js';
import { ISCSIADM_NODE_ARGV, ISCSIADM_SESSION_ARGV, type IscsiIo } from '../../../../agent/probes/iscsi/probe.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ISCSI_CASES_DIR = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'iscsi');

/** One captured run: `<name>.stdout`, `.stderr`, `.rc`. */
export const captured = (dir: string, name: string): ExecResult => ({
  kind: 'exited',
  code: Number(readFileSync(join(dir, `${name}.rc`), 'utf8').trim()),
  stdout: readFileSync(join(dir, `${name}.stdout`), 'utf8'),
  stderr: readFileSync(join(dir, `${name}.stderr`), 'utf8'),
  durationMs: 1,
  truncated: false,
});

/** A fake Exec answering the probe's two commands from a case folder. */
export const replayExec = (dir: string): Exec => async (argv) => {
  const key = argv.join(' ');
  if (key === ISCSIADM_SESSION_ARGV.join(' ')) return captured(dir, 'iscsiadm_-m_session_-P_3');
  if (key === ISCSIADM_NODE_ARGV.join(' ')) return captured(dir, 'iscsiadm_-m_node');
  throw new Error(`unexpected exec ${key}`);
};

/** A fake sysfs serving the `grep -H` capture of a case folder. */
export const sysfsIo = (sysfsText: string, root = '/sys/class/iscsi_session'): IscsiIo => {
  const files = new Map<string, string>();
  for (const line of sysfsText.split('\n')) {
    const m = /^(\/sys\/class\/iscsi_session\/session\d+\/\w+):(.*)$/.exec(line);
    if (m) files.set(m[1]!.replace('/sys/class/iscsi_session', root), `${m[2]}\n`);
  }
  return {
    listDir: async (p) => (p === root ? [...new Set([...files.keys()].map((f) => f.split('/')[4]!))] : null),
    readFile: async (p) => files.get(p) ?? null,
  };
};

