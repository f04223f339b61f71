// Golden cases: test/fixtures/probes/pacemaker/<case>/input.xml (copies of generated fixtures, see PROVENANCE.md)
// against expected.json. expected.json is rewritten only when UPDATE_GOLDEN=1.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import { pacemakerSamples, pacemakerStates } from '../../../../agent/probes/pacemaker/observe.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIR = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'pacemaker');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SHARED = SHARED_FIXTURES;

const cases = readdirSync(DIR)
  .filter((d) => statSync(join(DIR, d)).isDirectory())
  .sort();

/** `| \`case\` | \`source\` | \`sha256\` | ...` rows of PROVENANCE.md. */
const provenance = new Map(
  [...readFileSync(join(DIR, 'PROVENANCE.md'), 'utf8').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|/gm)].map(
    (m) => [m[1]!, { source: m[2]!, sha256: m[3]! }] as const,
  ),
);

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('pacemaker golden cases', () => {
  it('has cases, each with a provenance row', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    expect([...provenance.keys()].sort()).toEqual(cases);
  });

  for (const c of cases) {
    it(`${c}: input is the recorded generated fixture, byte for byte`, () => {
      const input = readFileSync(join(DIR, c, 'input.xml'));
      const p = provenance.get(c);
      expect(p).toBeDefined();
      expect(p!.source.startsWith('collected/') || p!.source.includes('/collected/')).toBe(false);
      expect(sha256(input)).toBe(p!.sha256);
      const src = join(SHARED, p!.source);
      if (existsSync(src)) expect(sha256(readFileSync(src))).toBe(p!.sha256);
    });

    it(`${c}: report, samples and states match expected.json${UPDATE ? ' (updating)' : ''}`, () => {
      const r = parseCrmMonXml(readFileSync(join(DIR, c, 'input.xml'), 'utf8'));
      if (!r.ok) throw new Error(`${c}: ${r.error.code} ${r.error.message}`);
      const actual = { report: r.value, samples: pacemakerSamples(r.value), states: pacemakerStates(r.value) };
      const file = join(DIR, c, 'expected.json');
      if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
