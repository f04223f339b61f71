// Golden cases: test/fixtures/probes/vrrp/<case>/ (byte-exact copies of generated outputs, see PROVENANCE.md)
// against expected.json. expected.json is rewritten only when UPDATE_GOLDEN=1.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { ObjectState, Sample } from '../../../../agent/protocol/index.js';
import { VrrpReport } from '../../../../agent/protocol/vrrp.js';
import { vrrpReportFrom } from '../../../../agent/probes/vrrp/report.js';
import { recordingsOf } from './helpers.js';
import { vrrpSamples, vrrpStates } from '../../../../agent/probes/vrrp/observe.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'probes', 'vrrp');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SHARED = SHARED_FIXTURES;
/** Folders that are not cases: the capture script and the raw capture the lab cases were copied from. */
const NOT_CASES = new Set(['lab', 'lab-capture']);

const cases = readdirSync(DIR)
  .filter((d) => statSync(join(DIR, d)).isDirectory() && !NOT_CASES.has(d))
  .sort();

/** `| \`case\` | \`file\` | \`source\` | \`sha256\` |` rows of PROVENANCE.md. */
const provenance = [...readFileSync(join(DIR, 'PROVENANCE.md'), 'utf8').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|$/gm)].map((m) => ({
  case: m[1]!,
  file: m[2]!,
  source: m[3]!,
  sha256: m[4]!,
}));

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const filesOf = (dir: string, prefix = ''): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesOf(join(dir, f), `${prefix}${f}/`) : [`${prefix}${f}`]));

describe('vrrp golden cases', () => {
  it('has cases, and every input file has a provenance row', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    for (const c of cases) {
      const inputs = filesOf(join(DIR, c)).filter((f) => f !== 'expected.json' && f !== 'meta.json');
      expect(inputs.length, c).toBeGreaterThan(0);
      expect(provenance.filter((p) => p.case === c).map((p) => p.file).sort(), c).toEqual(inputs.sort());
    }
    expect([...new Set(provenance.map((p) => p.case))].sort()).toEqual(cases);
  });

  for (const c of cases) {
    it(`${c}: inputs are the recorded generated outputs, byte for byte`, () => {
      for (const p of provenance.filter((x) => x.case === c)) {
        expect(p.source.includes('collected'), `${p.source} must not be a collected fixture`).toBe(false);
        expect(sha256(readFileSync(join(DIR, c, p.file))), `${c}/${p.file}`).toBe(p.sha256);
        const src = p.source.startsWith('repo:') ? join(ROOT, p.source.slice(5)) : join(SHARED, p.source);
        if (existsSync(src)) expect(sha256(readFileSync(src)), p.source).toBe(p.sha256);
      }
    });

    it(`${c}: report, samples and states match expected.json${UPDATE ? ' (updating)' : ''}`, () => {
      const report = vrrpReportFrom(recordingsOf(join(DIR, c)));
      expect(report.problems).toEqual([]);
      const actual = { report, samples: vrrpSamples(report), states: vrrpStates(report) };
      expect(Value.Check(VrrpReport, report)).toBe(true);
      for (const s of actual.samples) expect(Value.Check(Sample, s), s.metric).toBe(true);
      for (const s of actual.states) expect(Value.Check(ObjectState, s), s.id).toBe(true);
      const file = join(DIR, c, 'expected.json');
      if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
