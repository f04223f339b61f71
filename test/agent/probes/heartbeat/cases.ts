// The heartbeat golden cases (test/fixtures/probes/heartbeat/<case>/case.json and its files), for the tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClStatusRun } from '../../../../agent/probes/heartbeat/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
export const HB_GOLDEN = join(ROOT, 'test', 'fixtures', 'probes', 'heartbeat');

export interface HbCase {
  description: string;
  node: string;
  runs: { argv: string[]; exitCode: number; stdout: string | null; stderr: string | null }[];
}

export const hbCases = (): string[] =>
  readdirSync(HB_GOLDEN)
    .filter((d) => d !== 'capture' && statSync(join(HB_GOLDEN, d)).isDirectory())
    .sort();
export const hbCase = (name: string): HbCase => JSON.parse(readFileSync(join(HB_GOLDEN, name, 'case.json'), 'utf8')) as HbCase;
export const hbRuns = (name: string): ClStatusRun[] => {
  const read = (f: string | null) => (f === null ? '' : readFileSync(join(HB_GOLDEN, name, f), 'utf8'));
  return hbCase(name).runs.map((r) => ({ argv: r.argv, stdout: read(r.stdout), stderr: read(r.stderr), exitCode: r.exitCode }));
};
