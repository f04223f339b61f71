// Golden cases: test/fixtures/probes/corosync/<case>/ holds byte copies of generated tool outputs (see
// PROVENANCE.md) and case.json (which argv printed which file, with which exit code). The probe runs on a fake
// Exec answering from them; its outcome is compared with expected.json, rewritten only when UPDATE_GOLDEN=1.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import type { Exec } from '../../../../agent/lib/exec.js';
import { CorosyncReport } from '../../../../agent/protocol/corosync.js';
import { createCorosyncProbe } from '../../../../agent/probes/corosync/index.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'probes', 'corosync');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SHARED = SHARED_FIXTURES;

interface Run {
  argv: string[];
  exitCode: number;
  stdout: string | null;
  stderr: string | null;
}
interface Case {
  description: string;
  runs: Run[];
}

const cases = readdirSync(DIR)
  .filter((d) => d !== 'capture' && statSync(join(DIR, d)).isDirectory())
  .sort();

/** `| \`case\` | \`file\` | \`source\` | \`sha256\` |` rows of PROVENANCE.md. */
const provenance = [...readFileSync(join(DIR, 'PROVENANCE.md'), 'utf8').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|/gm)].map((m) => ({
  case: m[1]!,
  file: m[2]!,
  source: m[3]!,
  sha256: m[4]!,
}));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const execFor = (dir: string, c: Case): Exec => async (argv) => {
  const run = c.runs.find((r) => r.argv.join('\u0000') === argv.join('\u0000'));
  // Not recorded for this case (the optional reads of older captures): like a tool that is not there.
  if (!run) return { kind: 'absent', message: `${argv[0]}: not recorded` };
  const read = (f: string | null) => (f === null ? '' : readFileSync(join(dir, f), 'utf8'));
  return { kind: 'exited', code: run.exitCode, stdout: read(run.stdout), stderr: read(run.stderr), durationMs: 5, truncated: false };
};

describe('corosync golden cases', () => {
  it('has cases, each file with a provenance row, no collected file among them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    const files = cases.flatMap((c) => readdirSync(join(DIR, c)).filter((f) => f !== 'case.json' && f !== 'expected.json').map((f) => `${c}/${f}`));
    expect(provenance.map((p) => `${p.case}/${p.file}`).sort()).toEqual(files.sort());
    expect(provenance.every((p) => !p.source.includes('collected/'))).toBe(true);
  });

  for (const p of provenance) {
    it(`${p.case}/${p.file} is the recorded generated output, byte for byte`, () => {
      expect(sha256(readFileSync(join(DIR, p.case, p.file)))).toBe(p.sha256);
      const src = p.source.startsWith('test/') ? join(ROOT, p.source) : join(SHARED, p.source);
      if (existsSync(src)) expect(sha256(readFileSync(src))).toBe(p.sha256);
    });
  }

  for (const name of cases) {
    it(`${name}: outcome matches expected.json${UPDATE ? ' (updating)' : ''}`, async () => {
      const dir = join(DIR, name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
      const o = await createCorosyncProbe().run({ exec: execFor(dir, c), timeoutMs: 10_000, node: 'golden', now: () => 0 });
      if (o.report !== undefined) expect(Value.Check(CorosyncReport, o.report)).toBe(true);
      const actual = { status: o.status, ...(o.status === 'ok' ? {} : { error: o.error }), report: o.report ?? null, samples: o.samples, states: o.states };
      const file = join(dir, 'expected.json');
      if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
