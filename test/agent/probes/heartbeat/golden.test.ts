// Golden cases: test/fixtures/probes/heartbeat/<case>/ holds byte copies of generated cl_status outputs (see
// PROVENANCE.md) and case.json (which argv printed which file, with which exit code, on which node). The report
// built from those runs, its samples and states are compared with expected.json, rewritten only when
// UPDATE_GOLDEN=1. (probe.test.ts checks that the probe itself, on a fake exec, gives the same reports.)
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { HeartbeatReport } from '../../../../agent/protocol/heartbeat.js';
import { buildHeartbeatReport, heartbeatSamples, heartbeatStates } from '../../../../agent/probes/heartbeat/index.js';
import { HB_GOLDEN, hbCase, hbCases, hbRuns } from './cases.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SHARED = SHARED_FIXTURES;

const provenance = [...readFileSync(join(HB_GOLDEN, 'PROVENANCE.md'), 'utf8').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|/gm)].map((m) => ({
  case: m[1]!,
  file: m[2]!,
  source: m[3]!,
  sha256: m[4]!,
}));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('heartbeat golden cases', () => {
  const cases = hbCases();
  it('has cases, each file with a provenance row, no collected file among them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    const files = cases.flatMap((c) => readdirSync(join(HB_GOLDEN, c)).filter((f) => f !== 'case.json' && f !== 'expected.json').map((f) => `${c}/${f}`));
    expect(provenance.map((p) => `${p.case}/${p.file}`).sort()).toEqual(files.sort());
    expect(provenance.every((p) => !p.source.includes('collected/'))).toBe(true);
  });

  for (const p of provenance) {
    it(`${p.case}/${p.file} is the recorded generated output, byte for byte`, () => {
      expect(sha256(readFileSync(join(HB_GOLDEN, p.case, p.file)))).toBe(p.sha256);
      const src = p.source.startsWith('test/') ? join(ROOT, p.source) : join(SHARED, p.source);
      if (existsSync(src)) expect(sha256(readFileSync(src))).toBe(p.sha256);
    });
  }

  for (const name of cases) {
    it(`${name}: report, samples and states match expected.json${UPDATE ? ' (updating)' : ''}`, () => {
      const r = buildHeartbeatReport(hbRuns(name), hbCase(name).node);
      if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
      expect(Value.Check(HeartbeatReport, r.value)).toBe(true);
      const actual = { report: r.value, samples: heartbeatSamples(r.value), states: heartbeatStates(r.value) };
      const file = join(HB_GOLDEN, name, 'expected.json');
      if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
