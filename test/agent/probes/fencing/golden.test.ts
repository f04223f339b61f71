// Golden cases for the fencing parsers and probe: inputs are generated outputs kept in test/fixtures/probes/fencing
// (see PROVENANCE.md: sbd 1.5.2 and Pacemaker 2.1.5 stonith_admin, run on this machine; plus byte-exact copies of
// generated shared sbd files). expected/<case>.json is rewritten only when UPDATE_GOLDEN=1.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSbdDump, parseSbdList, parseStonithHistory } from '../../../../agent/probes/fencing/parse.js';
import { fencingSamples, fencingStates } from '../../../../agent/probes/fencing/observe.js';
import { createFencingProbe } from '../../../../agent/probes/fencing/probe.js';
import { DIR, fresh, replay } from './replay.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SHARED = SHARED_FIXTURES;
const read = (p: string) => readFileSync(join(DIR, p), 'utf8');

const history = (p: string) => {
  const r = parseStonithHistory(read(p));
  if (!r.ok) return r;
  const report = { sbd: [], stonith: r.value, problems: [] };
  return { ...r, samples: fencingSamples(report), states: fencingStates(report) };
};

const CASES: Record<string, () => unknown | Promise<unknown>> = {
  'sbd-shared-02-dump': () => parseSbdDump(read('sbd/shared/02-dump.txt')),
  'sbd-shared-14-dump-two-devices': () => parseSbdDump(read('sbd/shared/14-dump-two-devices.txt')),
  'sbd-shared-16-dump-missing-device': () => parseSbdDump(read('sbd/shared/16-dump-missing-device.txt')),
  'sbd-shared-10-list-reset-and-off': () => parseSbdList(read('sbd/shared/10-list-reset-and-off.txt')),
  'sbd-fresh-14-list-reset': () => parseSbdList(read('sbd/fresh/14-list-reset.stdout')),
  'stonith-08-history-pending-verbose': () => history('stonith/08-history-pending-verbose/stdout.xml'),
  'stonith-09-history-after-pending-verbose': () => history('stonith/09-history-after-pending-verbose/stdout.xml'),
  'stonith-not-connected': () => history('stonith/not-connected/stdout.xml'),
  'probe-sbd-and-history': () =>
    createFencingProbe({ sbdDevices: ['/dev/loop0', '/dev/loop1'] }).run({
      exec: replay({
        'sbd -d /dev/loop0 dump': fresh('04-dump'),
        'sbd -d /dev/loop0 list': fresh('14-list-reset'),
        'sbd -d /dev/loop1 dump': fresh('01-dump-uninitialised', '/dev/loop0', '/dev/loop1'),
        "stonith_admin --history * --output-as=xml --verbose": { dir: 'stonith/09-history-after-pending-verbose' },
      }).fn,
      timeoutMs: 10_000,
      node: 'n1',
      now: () => 0,
    }),
};

/** `| \`file\` | \`source\` | \`sha256\` |` rows of PROVENANCE.md for the shared copies. */
const copies = [...readFileSync(join(DIR, 'PROVENANCE.md'), 'utf8').matchAll(/^\| `(sbd\/shared\/[^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|/gm)].map((m) => ({ file: m[1]!, source: m[2]!, sha: m[3]! }));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('fencing golden cases', () => {
  it('shared copies are byte-exact copies of generated files (never collected ones)', () => {
    expect(copies.map((c) => c.file).sort()).toEqual([
      'sbd/shared/02-dump.txt', 'sbd/shared/04-list-allocated-clear.txt', 'sbd/shared/08-list-node3-reset-pending.txt',
      'sbd/shared/10-list-reset-and-off.txt', 'sbd/shared/14-dump-two-devices.txt', 'sbd/shared/16-dump-missing-device.txt',
    ]);
    for (const c of copies) {
      expect(c.source).not.toMatch(/collected/);
      expect(sha256(readFileSync(join(DIR, c.file)))).toBe(c.sha);
      const src = join(SHARED, c.source);
      if (existsSync(src)) expect(sha256(readFileSync(src))).toBe(c.sha);
    }
  });

  for (const [name, make] of Object.entries(CASES)) {
    it(`${name} matches expected/${name}.json${UPDATE ? ' (updating)' : ''}`, async () => {
      const actual = JSON.parse(JSON.stringify(await make(), (k, v: unknown) => (k === 'error' && v instanceof Error ? { name: v.name, code: (v as { code?: string }).code, message: v.message } : v))) as unknown;
      const file = join(DIR, 'expected', `${name}.json`);
      if (UPDATE) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
