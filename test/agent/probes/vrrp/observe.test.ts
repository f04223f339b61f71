// Samples and states of a vrrp report: one-hot states, availability rules, sorted and duplicate-free output, and
// the merge rules of the report builder (which source's claim wins, keepalived not running).
import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VRRP_STATES, type VrrpInstance, type VrrpReport } from '../../../../agent/protocol/vrrp.js';
import { stateAvailability, vipState, vrrpSamples, vrrpStates } from '../../../../agent/probes/vrrp/observe.js';
import { applyFifoLine, buildVrrpReport, emptyFifoMemory, vrrpReportFrom } from '../../../../agent/probes/vrrp/report.js';
import { parseKeepalivedJson } from '../../../../agent/probes/vrrp/parse.js';
import { recordingsOf } from './helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'vrrp');
const lab01 = (): VrrpReport => vrrpReportFrom(recordingsOf(join(GOLDEN, 'lab-01-node-a-master')));

const instance = (over: Partial<VrrpInstance>): VrrpInstance => ({
  name: 'VI_1',
  vrid: 51,
  interface: 'eth0',
  vmacInterface: null,
  version: 2,
  state: 'MASTER',
  stateSource: 'keepalived-fifo',
  claimedState: null,
  configuredState: null,
  priority: 100,
  effectivePriority: 100,
  masterPriority: null,
  masterRouter: null,
  lastEvent: null,
  lastTransition: null,
  interfaceUp: true,
  vips: [],
  stats: null,
  ...over,
});

describe('availability', () => {
  it('instance and group states', () => {
    expect(VRRP_STATES.map((s) => [s, stateAvailability(s)])).toEqual([
      ['INIT', 'degraded'],
      ['BACKUP', 'up'],
      ['MASTER', 'up'],
      ['FAULT', 'down'],
      ['STOP', 'down'],
      ['DELETED', 'maintenance'],
      ['UNKNOWN', 'unknown'],
    ]);
  });

  it('a VIP: ground truth against the claim of its instances', () => {
    const m = instance({ state: 'MASTER' });
    const b = instance({ state: 'BACKUP' });
    const s = instance({ state: 'STOP' });
    const u = instance({ state: 'UNKNOWN' });
    expect(vipState(true, [m])).toEqual({ state: 'present', availability: 'up' });
    expect(vipState(true, [b])).toEqual({ state: 'present', availability: 'degraded' });
    // A crash leaves the VIP behind with keepalived gone.
    expect(vipState(true, [s])).toEqual({ state: 'present', availability: 'degraded' });
    expect(vipState(true, [u])).toEqual({ state: 'present', availability: 'up' });
    expect(vipState(false, [m])).toEqual({ state: 'absent', availability: 'down' });
    expect(vipState(false, [b])).toEqual({ state: 'absent', availability: 'up' });
    expect(vipState(false, [u])).toEqual({ state: 'absent', availability: 'unknown' });
    expect(vipState(null, [m])).toEqual({ state: 'unknown', availability: 'unknown' });
    expect(vipState(true, [b, m])).toEqual({ state: 'present', availability: 'up' });
  });
});

describe('vrrpSamples', () => {
  it('one-hot instance and group states: exactly one 1 per instance, over all seven states', () => {
    const r = lab01();
    const samples = vrrpSamples(r);
    for (const i of r.instances) {
      const oneHot = samples.filter((s) => s.metric === 'hawatch_vrrp_instance_state' && s.labels['vrrp_instance'] === i.name);
      expect(oneHot.map((s) => s.labels['state'])).toEqual([...VRRP_STATES].sort());
      expect(oneHot.filter((s) => s.value === 1).map((s) => s.labels['state'])).toEqual([i.state]);
    }
    const group = samples.filter((s) => s.metric === 'hawatch_vrrp_group_state' && s.value === 1);
    expect(group).toEqual([{ metric: 'hawatch_vrrp_group_state', labels: { vrrp_group: 'G_WEB', state: 'MASTER' }, value: 1 }]);
  });

  it('values in base units and as numbers; sorted; no duplicate series', () => {
    const r = lab01();
    const samples = vrrpSamples(r);
    const keys = samples.map((s) => `${s.metric}${JSON.stringify(Object.entries(s.labels).sort())}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...samples].sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0)).map((s) => s.metric)).toEqual(samples.map((s) => s.metric));
    expect(samples).toContainEqual({ metric: 'hawatch_vrrp_instance_info', labels: { vrrp_instance: 'VI_DB', vrid: '72', interface: 'eth1' }, value: 1 });
    expect(samples).toContainEqual({ metric: 'hawatch_vrrp_vip_present', labels: { vrrp_instance: 'VI_V6', vip: 'fd00:231::100' }, value: 1 });
    expect(samples).toContainEqual({ metric: 'hawatch_vrrp_instance_vips', labels: { vrrp_instance: 'VI_WEB' }, value: 3 });
    expect(samples).toContainEqual({ metric: 'hawatch_vrrp_instance_vips_present', labels: { vrrp_instance: 'VI_WEB' }, value: 3 });
    const t = samples.find((s) => s.metric === 'hawatch_vrrp_instance_last_transition_timestamp_seconds');
    expect(t?.value).toBeGreaterThan(1.7e9);
    expect(t?.value).toBeLessThan(2e9);
    for (const s of samples) expect(Number.isFinite(s.value)).toBe(true);
    expect(vrrpSamples(r)).toEqual(samples);
  });

  it('leaves out what is not known instead of sending a made-up 0', () => {
    const r = vrrpReportFrom({ fifoLines: ['INSTANCE "VI_1" MASTER 100'] });
    const metrics = new Set(vrrpSamples(r).map((s) => s.metric));
    for (const m of ['hawatch_vrrp_keepalived_running', 'hawatch_vrrp_vip_present', 'hawatch_vrrp_instance_interface_up', 'hawatch_vrrp_adverts_received_total', 'hawatch_vrrp_fifo_open', 'hawatch_vrrp_json_dump_timestamp_seconds']) {
      expect(metrics.has(m), m).toBe(false);
    }
    expect(vrrpSamples(r)).toContainEqual({ metric: 'hawatch_vrrp_instance_info', labels: { vrrp_instance: 'VI_1', vrid: '', interface: '' }, value: 1 });
  });
});

describe('vrrpStates', () => {
  it('one vrrp_vip per address even when two instances list it; sorted by kind then id', () => {
    const json = parseKeepalivedJson(
      '[{"data":{"iname":"A","vrid":1,"state":2,"vips":["10.0.0.1 dev eth0 scope global set"]}},{"data":{"iname":"B","vrid":2,"state":1,"vips":["10.0.0.1 dev eth0 scope global"]}}]',
    );
    if (!json.ok) throw json.error;
    const r = buildVrrpReport({ json: { dump: json.value, atMs: null }, ip: [{ name: 'eth0', link: null, operstate: 'UP', up: true, lowerUp: true, addresses: [{ family: 'inet', address: '10.0.0.1', prefixLength: 32, label: null }] }] });
    const states = vrrpStates(r);
    expect(states).toEqual([
      { kind: 'vrrp_instance', id: 'A', state: 'MASTER', availability: 'up' },
      { kind: 'vrrp_instance', id: 'B', state: 'BACKUP', availability: 'up' },
      { kind: 'vrrp_vip', id: '10.0.0.1', state: 'present', availability: 'up' },
    ]);
  });

  it('keepalived running or not is an object of its own', () => {
    const run = (running: boolean | null) => vrrpStates(vrrpReportFrom({ keepalived: { running, pid: running ? 42 : null, version: '2.2.7' } })).filter((s) => s.kind === 'vrrp_keepalived');
    expect(run(true)).toEqual([{ kind: 'vrrp_keepalived', id: 'keepalived', state: 'running', availability: 'up' }]);
    expect(run(false)).toEqual([{ kind: 'vrrp_keepalived', id: 'keepalived', state: 'stopped', availability: 'down' }]);
    expect(run(null)).toEqual([]);
  });
});

describe('which claim wins', () => {
  const dump = (state: number) => `[{"data":{"iname":"VI_1","vrid":51,"state":${state},"base_priority":100,"effective_priority":${state === 2 ? 100 : 90},"master_priority":150,"last_transition":1795459916.5,"vips":[]}}]`;

  it('without times the FIFO (an event) wins over a dump (a snapshot of unknown age)', () => {
    const r = vrrpReportFrom({ fifoLines: ['INSTANCE "VI_1" MASTER 100'], jsonDump: dump(1) });
    expect(r.instances[0]).toMatchObject({ state: 'MASTER', stateSource: 'keepalived-fifo', effectivePriority: 100, masterPriority: null, lastTransition: null });
  });

  it('with times the newer one wins, and the dump-only fields follow it', () => {
    const older = vrrpReportFrom({ fifoLines: [{ line: 'INSTANCE "VI_1" MASTER 100', atMs: 1_000 }], jsonDump: { text: dump(1), atMs: 2_000 } });
    expect(older.instances[0]).toMatchObject({ state: 'BACKUP', stateSource: 'keepalived-json', effectivePriority: 90, masterPriority: 150, lastTransition: 1795459916.5 });
    const newer = vrrpReportFrom({ fifoLines: [{ line: 'INSTANCE "VI_1" MASTER 100', atMs: 3_000 }], jsonDump: { text: dump(1), atMs: 2_000 } });
    expect(newer.instances[0]).toMatchObject({ state: 'MASTER', stateSource: 'keepalived-fifo', masterPriority: null });
  });

  it('event words keep the state and carry the new priority; an unknown word only updates lastEvent', () => {
    let m = emptyFifoMemory();
    for (const l of ['INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_1" MASTER_PRIORITY 90', 'INSTANCE "VI_1" SOMETHING_NEW 90', 'garbage']) m = applyFifoLine(m, l, null);
    const r = buildVrrpReport({ fifoMemory: m, fifo: { path: '/run/keepalived/notify.fifo', open: true } });
    expect(r.instances[0]).toMatchObject({ state: 'MASTER', effectivePriority: 90, lastEvent: 'SOMETHING_NEW' });
    expect(r.fifo).toEqual({ path: '/run/keepalived/notify.fifo', open: true, lines: 3, badLines: 1 });
  });

  it('keepalived not running: STOP whatever was said last, the last claim kept; a DELETED instance stays DELETED', () => {
    const r = vrrpReportFrom({
      fifoLines: ['INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_2" DELETED 100', 'GROUP "G" MASTER 0'],
      keepalived: { running: false, pid: null, version: null },
    });
    expect(r.instances.map((i) => [i.name, i.state, i.stateSource, i.claimedState])).toEqual([
      ['VI_1', 'STOP', 'process', 'MASTER'],
      ['VI_2', 'DELETED', 'keepalived-fifo', null],
    ]);
    expect(r.groups).toEqual([{ name: 'G', state: 'STOP', stateSource: 'process', members: [] }]);
  });

  it('unreadable recordings become problems; the rest is still reported', () => {
    const r = vrrpReportFrom({ fifoLines: ['INSTANCE "VI_1" BACKUP 100', 'nonsense'], ipAddrJson: '[{', jsonDump: '', dataDump: 'VRRP Instance: VI_1\n', conf: 'hello' });
    expect(r.problems.map((p) => `${p.source}:${p.code}`)).toEqual([
      'keepalived-fifo:vrrp.fifo_bad_line',
      'ip-addr-json:vrrp.invalid_json',
      'keepalived-json:vrrp.empty',
      'keepalived-data:vrrp.unknown_format',
      'keepalived-conf:vrrp.unknown_format',
    ]);
    expect(r.instances).toEqual([expect.objectContaining({ name: 'VI_1', state: 'BACKUP', interfaceUp: null })]);
    expect(vrrpSamples(r)).toContainEqual({ metric: 'hawatch_vrrp_source_problems', labels: {}, value: 5 });
  });
});
