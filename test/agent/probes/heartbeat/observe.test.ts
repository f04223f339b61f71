// heartbeatSamples / heartbeatStates: pure, sorted, no duplicate series, schema-valid, and the mapping of node
// statuses no capture shows (up, init, ping, unknown) and of an unknown local node.
import { describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import { ObjectState, Sample } from '../../../../agent/protocol/index.js';
import type { HeartbeatReport, HeartbeatRunning } from '../../../../agent/protocol/heartbeat.js';
import { heartbeatSamples, heartbeatStates } from '../../../../agent/probes/heartbeat/observe.js';
import { hbCase, hbCases, hbRuns } from './cases.js';
import { buildHeartbeatReport } from '../../../../agent/probes/heartbeat/report.js';

const reports: HeartbeatReport[] = hbCases().map((c) => {
  const r = buildHeartbeatReport(hbRuns(c), hbCase(c).node);
  if (!r.ok) throw new Error(c);
  return r.value;
});

describe('heartbeat observe', () => {
  it('samples and states are schema-valid, sorted, without duplicates, and the same on every call', () => {
    for (const r of reports) {
      const s = heartbeatSamples(r);
      const st = heartbeatStates(r);
      for (const x of s) expect(Value.Check(Sample, x)).toBe(true);
      for (const x of st) expect(Value.Check(ObjectState, x)).toBe(true);
      const keys = s.map((x) => `${x.metric}${JSON.stringify(Object.entries(x.labels).sort())}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(s.map((x) => x.metric)).toEqual([...s.map((x) => x.metric)].sort());
      const ids = st.map((x) => `${x.kind}/${x.id}`);
      expect(new Set(ids).size).toBe(ids.length);
      expect(heartbeatSamples(structuredClone(r))).toEqual(s);
      expect(heartbeatStates(structuredClone(r))).toEqual(st);
      for (const n of r.running ? r.nodes : []) {
        expect(s.filter((x) => x.metric === 'hawatch_heartbeat_node_status' && x.labels['hb_node'] === n.name && x.value === 1)).toHaveLength(1);
      }
    }
  });

  it('node statuses: up/init degraded, ping up, anything else unknown; links of the local node never become states', () => {
    const r: HeartbeatRunning = {
      running: true,
      source: 'verbose',
      version: null,
      managedBy: null,
      localNode: 'a',
      nodes: [
        { name: 'a', status: 'active', type: 'normal', local: true, links: [{ name: 'eth0', status: null }] },
        { name: 'b', status: 'up', type: 'normal', local: false, links: [{ name: 'eth0', status: 'up' }] },
        { name: 'c', status: 'init', type: 'normal', local: false, links: [{ name: 'eth0', status: 'dead' }] },
        { name: 'gw', status: 'ping', type: 'ping', local: false, links: [{ name: 'gw', status: 'up' }] },
        { name: 'd', status: 'weird', type: null, local: false, links: [{ name: 'eth0', status: 'flapping' }] },
      ],
      resources: 'transition',
      keepaliveSeconds: 0.5,
      deadtimeSeconds: 10,
      errors: [],
    };
    const st = heartbeatStates(r);
    expect(st.filter((s) => s.kind === 'heartbeat_node').map((s) => [s.id, s.state, s.availability])).toEqual([
      ['a', 'active', 'up'],
      ['b', 'up', 'degraded'],
      ['c', 'init', 'degraded'],
      ['d', 'weird', 'unknown'],
      ['gw', 'ping', 'up'],
    ]);
    expect(st.filter((s) => s.kind === 'heartbeat_link').map((s) => [s.id, s.availability])).toEqual([
      ['b:eth0', 'up'],
      ['c:eth0', 'down'],
      ['d:eth0', 'unknown'],
      ['gw:gw', 'up'],
    ]);
    const s = heartbeatSamples(r);
    expect(s.find((x) => x.metric === 'hawatch_heartbeat_node_ping' && x.labels['hb_node'] === 'gw')?.value).toBe(1);
    expect(s.find((x) => x.metric === 'hawatch_heartbeat_resources' && x.value === 1)?.labels).toEqual({ holds: 'transition' });
    expect(s.find((x) => x.metric === 'hawatch_heartbeat_keepalive_seconds')?.value).toBe(0.5);
    expect(s.some((x) => x.metric === 'hawatch_heartbeat_link_up' && x.labels['hb_node'] === 'a')).toBe(false);
  });
});
