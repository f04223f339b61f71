// corosyncSamples / corosyncStates: pure, sorted, no duplicate series, schema-valid, and the state mapping of
// values no fixture shows (2.x rings, knet errors, an odd member status).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { ObjectState, Sample } from '../../../../agent/protocol/index.js';
import type { CorosyncReport, CorosyncRunning } from '../../../../agent/protocol/corosync.js';
import { corosyncSamples, corosyncStates } from '../../../../agent/probes/corosync/observe.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'corosync');
const reports = readdirSync(GOLDEN)
  .filter((d) => d !== 'capture' && statSync(join(GOLDEN, d)).isDirectory())
  .map((d) => (JSON.parse(readFileSync(join(GOLDEN, d, 'expected.json'), 'utf8')) as { report: CorosyncReport | null }).report)
  .filter((r): r is CorosyncReport => r !== null);
const running = reports.find((r): r is CorosyncRunning => r.running && r.links.length > 1) ?? (reports.find((r) => r.running) as CorosyncRunning);

describe('corosync observe', () => {
  it('samples and states are schema-valid, sorted, without duplicates, and the same on every call', () => {
    for (const r of reports) {
      const s = corosyncSamples(r);
      const st = corosyncStates(r);
      for (const x of s) expect(Value.Check(Sample, x)).toBe(true);
      for (const x of st) expect(Value.Check(ObjectState, x)).toBe(true);
      const keys = s.map((x) => `${x.metric}${JSON.stringify(Object.entries(x.labels).sort())}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(s.map((x) => x.metric)).toEqual([...s.map((x) => x.metric)].sort());
      const ids = st.map((x) => `${x.kind}/${x.id}`);
      expect(new Set(ids).size).toBe(ids.length);
      expect(corosyncSamples(structuredClone(r))).toEqual(s);
      expect(corosyncStates(structuredClone(r))).toEqual(st);
      // No state strings in values: every value is a finite number.
      expect(s.every((x) => Number.isFinite(x.value))).toBe(true);
    }
  });

  it('one-hot quorum_state: exactly one series is 1', () => {
    for (const r of reports) {
      expect(corosyncSamples(r).filter((s) => s.metric === 'hawatch_corosync_quorum_state' && s.value === 1)).toHaveLength(1);
    }
  });

  it('2.x rings become corosync_link link<N> active/faulty and ring_faulty samples', () => {
    const r: CorosyncRunning = {
      ...running,
      links: [
        { linkId: 0, transport: null, address: '10.0.0.1', peers: [], status: 'Marking ringid 0 interface 10.0.0.1 FAULTY', faulty: true },
        { linkId: 1, transport: null, address: '172.16.0.1', peers: [], status: 'ring 1 active with no faults', faulty: false },
      ],
    };
    expect(corosyncStates(r).filter((s) => s.kind === 'corosync_link')).toEqual([
      { kind: 'corosync_link', id: 'link0', state: 'faulty', availability: 'down' },
      { kind: 'corosync_link', id: 'link1', state: 'active', availability: 'up' },
    ]);
    expect(corosyncSamples(r).filter((s) => s.metric === 'hawatch_corosync_ring_faulty').map((s) => [s.labels['link'], s.value])).toEqual([
      ['0', 1],
      ['1', 0],
    ]);
  });

  it('a knet error on a link and an odd member status are unknown, not up or down', () => {
    const r: CorosyncRunning = {
      ...running,
      localNodeId: 1,
      links: [
        {
          linkId: 0,
          transport: 'udp',
          address: '10.0.0.1',
          status: null,
          faulty: null,
          peers: [
            { nodeId: 1, local: true, status: 'localhost', connected: true, enabled: null },
            { nodeId: 2, local: false, status: 'knet error', connected: false, enabled: null },
          ],
        },
      ],
      members: [{ nodeId: 2, name: null, status: 'leaving', local: false, inQuorumMembership: false, votes: null, joinCount: null, configVersion: null, addresses: [], qdevice: null }],
    };
    const st = corosyncStates(r);
    expect(st).toContainEqual({ kind: 'corosync_link', id: 'node2:link0', state: 'knet error', availability: 'unknown' });
    expect(st).toContainEqual({ kind: 'corosync_member', id: '2', state: 'leaving', availability: 'unknown' });
    expect(corosyncSamples(r).find((s) => s.metric === 'hawatch_corosync_member_joined')).toBeUndefined();
  });
});
