// The DRBD parsers against every DRBD output in the shared fixture set. All of them are COLLECTED (no DRBD kernel
// here), so they are read from /work/shared/fixtures and never copied; without that folder these tests are skipped.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { ObjectState, Sample } from '../../../../agent/protocol/index.js';
import { DrbdReport, type DrbdResource } from '../../../../agent/protocol/drbd.js';
import { parseDrbdEvents2, parseDrbdStatusJson, parseProcDrbd } from '../../../../agent/probes/drbd/parse.js';
import { DRBD_METRICS, drbdSamples, drbdStates } from '../../../../agent/probes/drbd/observe.js';
import type { ParseResult } from '../../../../agent/lib/errors.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const SHARED = SHARED_FIXTURES;
const DIR = join(SHARED, 'drbd');
const HAVE = existsSync(DIR);
const SKIP = HAVE ? '' : ` (skipped: ${DIR} not found; set HAWATCH_SHARED_FIXTURES)`;

const ls = (dir: string, re: RegExp): string[] =>
  existsSync(dir) && statSync(dir).isDirectory()
    ? readdirSync(dir)
        .filter((f) => re.test(f))
        .sort()
    : [];

interface Section {
  file: string;
  command: string;
  output: string;
  exit: number;
}

/**
 * drbd-utils' `.test` expectation files: `$ COMMAND` line, the drbdsetup output, then the exit code on a line of its
 * own. `| cat -v` sections show ESC as `^[`: turned back into ESC, so the parser sees what drbdsetup printed.
 */
export const events2Sections = (file: string, text: string): Section[] => {
  const out: Section[] = [];
  const lines = text.split('\n');
  let cur: { command: string; body: string[] } | undefined;
  const close = () => {
    if (!cur) return;
    const body = [...cur.body];
    while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
    const exitLine = body.pop() ?? '';
    if (!/^\d+$/.test(exitLine.trim())) throw new Error(`${file}: section "${cur.command}" has no exit code line`);
    let output = `${body.join('\n')}\n`;
    if (cur.command.includes('cat -v')) output = output.replace(/\^\[/g, '\u001b');
    out.push({ file, command: cur.command, output, exit: Number(exitLine.trim()) });
  };
  for (const l of lines) {
    if (l.startsWith('$ ')) {
      close();
      cur = { command: l.slice(2), body: [] };
    } else if (cur) cur.body.push(l);
  }
  close();
  return out;
};

const sections = HAVE
  ? ls(join(DIR, 'events2'), /\.test$/).flatMap((f) => events2Sections(f, readFileSync(join(DIR, 'events2', f), 'utf8')))
  : [];
const procFiles = ls(join(DIR, 'proc_drbd'), /\.txt$/);
const jsonFiles = ls(join(DIR, 'status-json'), /\.json$/);

const value = <T>(r: ParseResult<T>, what: string): T => {
  if (!r.ok) throw new Error(`${what}: ${r.error.code} ${r.error.message}`);
  return r.value;
};
const sectionsOf = (name: string) => sections.filter((s) => s.file === `drbd-utils__events2-${name}.test`);
const events2 = (name: string, match: (cmd: string) => boolean = (c) => !c.includes('--')) => {
  const s = sectionsOf(name).find((x) => match(x.command));
  if (!s) throw new Error(`no section of ${name}`);
  return value(parseDrbdEvents2(s.output), `${name}: ${s.command}`);
};
const proc = (f: string) => value(parseProcDrbd(readFileSync(join(DIR, 'proc_drbd', f), 'utf8')), f);
const res = (r: DrbdReport, name: string): DrbdResource => {
  const x = r.resources.find((y) => y.name === name);
  if (!x) throw new Error(`resource ${name} missing`);
  return x;
};
/** The core view of a resource, without the statistics that only --statistics prints. */
const core = (r: DrbdReport) =>
  r.resources.map((x) => ({
    name: x.name,
    role: x.role,
    mayPromote: x.mayPromote,
    promotionScore: x.promotionScore,
    devices: x.devices.map((d) => [d.volume, d.minor, d.diskState, d.backingDevice, d.quorum]),
    connections: x.connections.map((c) => [c.name, c.peerNodeId, c.connectionState, c.peerRole, c.peerDevices.map((p) => [p.volume, p.replicationState, p.peerDiskState, p.syncDonePercent])]),
  }));

const METRICS = new Map(DRBD_METRICS.map((m) => [m.name, m] as const));
const check = (name: string, r: DrbdReport, failures: string[]): void => {
  if (!Value.Check(DrbdReport, r)) failures.push(`${name}: report does not match the schema: ${JSON.stringify([...Value.Errors(DrbdReport, r)].slice(0, 2))}`);
  const samples = drbdSamples(r);
  for (const s of samples) {
    if (!Value.Check(Sample, s)) failures.push(`${name}: bad sample ${JSON.stringify(s)}`);
    const def = METRICS.get(s.metric);
    if (!def) failures.push(`${name}: undeclared metric ${s.metric}`);
    else if ([...def.labels].sort().join() !== Object.keys(s.labels).sort().join()) failures.push(`${name}: ${s.metric} labels differ`);
  }
  const series = samples.map((s) => `${s.metric}${JSON.stringify(s.labels)}`);
  if (new Set(series).size !== series.length) failures.push(`${name}: duplicate series`);
  const states = drbdStates(r);
  for (const s of states) if (!Value.Check(ObjectState, s)) failures.push(`${name}: bad state ${JSON.stringify(s)}`);
  const ids = states.map((s) => `${s.kind}/${s.id}`);
  if (new Set(ids).size !== ids.length) failures.push(`${name}: duplicate state ids`);
};

describe.skipIf(!HAVE)(`drbd fixtures from ${DIR}${SKIP}`, () => {
  it('finds the collected files', () => {
    expect(ls(join(DIR, 'events2'), /\.test$/)).toHaveLength(9);
    // SOURCES.md also lists ganeti__proc_drbd83_sync_want.txt, which is not in the folder (9 listed, 8 present)
    expect(procFiles.length).toBeGreaterThanOrEqual(8);
    expect(jsonFiles).toHaveLength(1);
    expect(sections).toHaveLength(16);
    expect(sections.every((s) => s.exit === 0)).toBe(true);
  });

  it('parses every events2 section, /proc/drbd and status --json file into a schema-valid report, samples and states', () => {
    const failures: string[] = [];
    for (const s of sections) {
      const r = parseDrbdEvents2(s.output);
      if (!r.ok) failures.push(`${s.file} [${s.command}]: ${r.error.code} ${r.error.message}`);
      else check(`${s.file} [${s.command}]`, r.value, failures);
    }
    for (const f of procFiles) {
      const r = parseProcDrbd(readFileSync(join(DIR, 'proc_drbd', f), 'utf8'));
      if (!r.ok) failures.push(`${f}: ${r.error.code} ${r.error.message}`);
      else check(f, r.value, failures);
    }
    for (const f of jsonFiles) {
      const r = parseDrbdStatusJson(readFileSync(join(DIR, 'status-json', f), 'utf8'));
      if (!r.ok) failures.push(`${f}: ${r.error.code} ${r.error.message}`);
      else check(f, r.value, failures);
    }
    expect(failures).toEqual([]);
  });

  describe('drbdsetup events2 (drbd-utils 9 test expectations)', () => {
    it('all-create-change: every variant (plain, --diff, --statistics, --full, --color, --timestamps) ends in the same state', () => {
      const all = sectionsOf('all-create-change');
      expect(all.map((s) => s.command.replace(/^cat \S+ \| drbdsetup_instrumented events2/, '').split(';')[0]!.trim())).toEqual([
        '', '--diff', '--statistics', '--full', '--color | cat -v', "--timestamps | sed 's/....-..-..T..:..:.........+..:../TIME/'",
      ]);
      const views = all.map((s) => core(value(parseDrbdEvents2(s.output), s.command)));
      for (const v of views) expect(v).toEqual(views[0]);
      expect(views[0]).toEqual([
        {
          name: 'some-resource',
          role: 'Primary',
          mayPromote: false,
          promotionScore: 10102,
          devices: [[0, 1000, 'UpToDate', '/dev/sda', true]],
          connections: [['some-peer', 1, 'Connected', 'Secondary', [[0, 'Established', 'UpToDate', null]]]],
        },
      ]);
    });

    it('all-create-change --statistics: KiB counters become bytes, in-flight sectors become bytes', () => {
      const r = res(events2('all-create-change', (c) => c.includes('--statistics')), 'some-resource');
      expect(r.writeOrdering).toBe('none');
      expect(r.suspended).toBe(false);
      expect(r.devices[0]).toMatchObject({ sizeBytes: 5 * 1024, readBytes: 10 * 1024, writtenBytes: 15 * 1024, alWrites: 40, bmWrites: 50, upperPending: 60, lowerPending: 70 });
      const c = r.connections[0]!;
      expect(c).toMatchObject({ congested: false, apInFlightBytes: 10 * 512, rsInFlightBytes: 20 * 512 });
      expect(c.peerDevices[0]).toMatchObject({ receivedBytes: 5 * 1024, sentBytes: 10 * 1024, outOfSyncBytes: 0, pending: 30, unacked: 40, resyncSuspended: 'no' });
      expect(drbdStates(events2('all-create-change'))).toEqual([
        { kind: 'drbd_device', id: 'some-resource/0', state: 'UpToDate', availability: 'up' },
        { kind: 'drbd_peer', id: 'some-resource/some-peer/0', state: 'Connected/Established/UpToDate', availability: 'up' },
        { kind: 'drbd_resource', id: 'some-resource', state: 'Primary', availability: 'up' },
      ]);
    });

    it('sync: SyncSource with done 37.50 %; --statistics adds out-of-sync 2500 KiB and eta 10 s', () => {
      const plain = res(events2('sync'), 'some-resource').connections[0]!.peerDevices[0]!;
      expect(plain).toMatchObject({ replicationState: 'SyncSource', peerDiskState: 'Inconsistent', syncDonePercent: 37.5, outOfSyncBytes: null });
      const stats = res(events2('sync', (c) => c.includes('--statistics')), 'some-resource').connections[0]!.peerDevices[0]!;
      expect(stats).toMatchObject({ syncDonePercent: 37.5, outOfSyncBytes: 2500 * 1024, syncEtaSeconds: 10, receivedBytes: 5120, sentBytes: 10240 });
      const r = events2('sync', (c) => c.includes('--statistics'));
      const labels = { resource: 'some-resource', peer: 'some-peer', volume: '0' };
      expect(drbdSamples(r)).toEqual(
        expect.arrayContaining([
          { metric: 'hawatch_drbd_peer_device_out_of_sync_bytes', labels, value: 2_560_000 },
          { metric: 'hawatch_drbd_peer_device_sync_done_ratio', labels, value: 0.375 },
          { metric: 'hawatch_drbd_peer_device_sync_eta_seconds', labels, value: 10 },
          { metric: 'hawatch_drbd_peer_device_replication_state', labels: { ...labels, state: 'SyncSource' }, value: 1 },
        ]),
      );
      expect(drbdStates(r).find((s) => s.kind === 'drbd_peer')).toEqual({
        kind: 'drbd_peer', id: 'some-resource/some-peer/0', state: 'Connected/SyncSource/Inconsistent', availability: 'degraded',
      });
    });

    it('all-create-helper: the helper call and its exit status (times replaced by TIME in the test: null)', () => {
      for (const s of sectionsOf('all-create-helper')) {
        const r = value(parseDrbdEvents2(s.output), s.command);
        expect(r.helperEvents).toEqual([
          { at: null, kind: 'call', resource: 'some-resource', peer: 'some-peer', volume: 0, helper: 'before-resync-target', status: null },
          { at: null, kind: 'response', resource: 'some-resource', peer: 'some-peer', volume: 0, helper: 'before-resync-target', status: 1 },
        ]);
        expect(r.splitBrainHelperSeen).toBeNull();
        expect(drbdSamples(r)).toContainEqual({ metric: 'hawatch_drbd_helper_last_exit_status', labels: { resource: 'some-resource', helper: 'before-resync-target' }, value: 1 });
        // StandAlone, Diskless, no peer data: down everywhere
        expect(drbdStates(r).map((x) => [x.kind, x.state, x.availability])).toEqual([
          ['drbd_device', 'Diskless', 'down'],
          ['drbd_peer', 'StandAlone/Off/DUnknown', 'down'],
          ['drbd_resource', 'Secondary', 'up'],
        ]);
      }
    });

    it('may-promote-quorum: quorum lost at the end, may_promote no', () => {
      const r = res(events2('may-promote-quorum'), 'some-resource');
      expect([r.mayPromote, r.promotionScore, r.devices[0]!.quorum, r.devices[0]!.diskState]).toEqual([false, 0, false, 'UpToDate']);
      expect(drbdStates(events2('may-promote-quorum')).find((s) => s.kind === 'drbd_resource')).toMatchObject({ availability: 'degraded' });
    });

    it('may-promote-peer-data: may promote with score 1 once the peer has UpToDate data', () => {
      const r = res(events2('may-promote-peer-data'), 'some-resource');
      expect([r.mayPromote, r.promotionScore, r.devices[0]!.diskState]).toEqual([true, 1, 'Diskless']);
      expect(r.connections[0]!.peerDevices[0]).toMatchObject({ replicationState: 'Established', peerDiskState: 'UpToDate' });
    });

    it('promotion-score-inconsistent: local disk Inconsistent (degraded), score 10001', () => {
      const r = events2('promotion-score-inconsistent');
      expect(res(r, 'some-resource')).toMatchObject({ mayPromote: true, promotionScore: 10001 });
      expect(drbdStates(r).find((s) => s.kind === 'drbd_device')).toEqual({ kind: 'drbd_device', id: 'some-resource/0', state: 'Inconsistent', availability: 'degraded' });
    });

    it('device-create-destroy: devices come and go; after "destroy resource" nothing is left', () => {
      expect(events2('device-create-destroy').resources).toEqual([]);
    });

    it('resource-exists and no-resources: the initial-state dump alone', () => {
      expect(core(events2('resource-exists'))).toEqual([{ name: 'some-resource', role: 'Secondary', mayPromote: false, promotionScore: 0, devices: [], connections: [] }]);
      expect(events2('no-resources').resources).toEqual([]);
    });
  });

  describe('/proc/drbd (DRBD 8.0, 8.3, 8.4)', () => {
    it('8.4.2: roles, disk states, connection states, unconfigured minors, out-of-sync in bytes', () => {
      const r = proc('ganeti__proc_drbd84.txt');
      expect(r.kernelVersion).toBe('8.4.2');
      expect(r.unconfiguredMinors).toEqual([2]);
      expect(r.resources.map((x) => [x.name, x.role, x.devices[0]!.diskState, x.connections[0]!.connectionState, x.connections[0]!.peerRole, x.connections[0]!.peerDevices[0]!.replicationState, x.connections[0]!.peerDevices[0]!.peerDiskState])).toEqual([
        ['drbd0', 'Primary', 'UpToDate', 'Connected', 'Secondary', 'Established', 'UpToDate'],
        ['drbd1', 'Secondary', 'UpToDate', 'Connected', 'Primary', 'Established', 'UpToDate'],
        ['drbd4', 'Primary', 'UpToDate', 'WFConnection', 'Unknown', 'Off', 'DUnknown'],
        ['drbd6', 'Secondary', 'Diskless', 'Connected', 'Primary', 'Established', 'UpToDate'],
        ['drbd8', 'Secondary', 'UpToDate', 'StandAlone', 'Unknown', 'Off', 'DUnknown'],
      ]);
      expect(res(r, 'drbd4').connections[0]!.peerDevices[0]!.outOfSyncBytes).toBe(1_048_320 * 1024);
      expect(res(r, 'drbd0').devices[0]).toMatchObject({ minor: 0, readBytes: 1_048_776 * 1024, writtenBytes: 0, bmWrites: 64 });
      expect(res(r, 'drbd0').writeOrdering).toBe('flush');
      expect(res(r, 'drbd6').writeOrdering).toBe('barrier');
      const st = new Map(drbdStates(r).map((s) => [`${s.kind}/${s.id}`, s] as const));
      expect(st.get('drbd_peer/drbd4/peer/0')).toMatchObject({ state: 'WFConnection/Off/DUnknown', availability: 'down' });
      expect(st.get('drbd_peer/drbd8/peer/0')).toMatchObject({ state: 'StandAlone/Off/DUnknown', availability: 'down' });
      expect(st.get('drbd_device/drbd6/0')).toMatchObject({ state: 'Diskless', availability: 'down' });
      expect(st.get('drbd_peer/drbd1/peer/0')).toMatchObject({ availability: 'up' });
    });

    it('8.4.2 sync: SyncSource at 68.5 %, finish 0:00:05, pe/ua counters; StandAlone Primary with out-of-sync data', () => {
      const r = proc('ganeti__proc_drbd84_sync.txt');
      expect(r.unconfiguredMinors).toEqual([3]);
      const p = res(r, 'drbd5').connections[0]!.peerDevices[0]!;
      expect(p).toMatchObject({ replicationState: 'SyncSource', peerDiskState: 'Inconsistent', syncDonePercent: 68.5, syncEtaSeconds: 5, outOfSyncBytes: 335_744 * 1024, pending: 33, unacked: 18 });
      expect(res(r, 'drbd5').role).toBe('Secondary');
      expect(res(r, 'drbd5').writeOrdering).toBe('flush');
      expect(res(r, 'drbd0')).toMatchObject({ role: 'Primary', writeOrdering: 'drain' });
      expect(res(r, 'drbd0').connections[0]!.connectionState).toBe('StandAlone');
    });

    it('8.4.2 with a blank line after the header', () => {
      const r = proc('ganeti__proc_drbd84_emptyfirst.txt');
      expect(r.resources.map((x) => x.name)).toEqual(['drbd1', 'drbd4', 'drbd6', 'drbd8']);
      expect(r.unconfiguredMinors).toEqual([2]);
    });

    it('8.3.1: same states as 8.4; NUL padding after the flags is ignored', () => {
      const r = proc('ganeti__proc_drbd83.txt');
      expect(r.kernelVersion).toBe('8.3.1');
      expect(r.resources.map((x) => x.name)).toEqual(['drbd0', 'drbd1', 'drbd4', 'drbd5', 'drbd6', 'drbd7', 'drbd8']);
      expect(res(r, 'drbd5').connections[0]!.peerDevices[0]!.peerDiskState).toBe('Diskless');
      expect(res(r, 'drbd1').devices[0]!.upperPending).toBe(0);
    });

    it('8.3.1 sync: SyncTarget at 34.9 %, local disk Inconsistent', () => {
      const r = proc('ganeti__proc_drbd83_sync.txt');
      const x = res(r, 'drbd3');
      expect([x.role, x.devices[0]!.diskState]).toEqual(['Primary', 'Inconsistent']);
      expect(x.connections[0]!.peerDevices[0]).toMatchObject({ replicationState: 'SyncTarget', syncDonePercent: 34.9, syncEtaSeconds: 5, outOfSyncBytes: 346_112 * 1024 });
      expect(drbdStates(r).find((s) => s.id === 'drbd3/peer/0')).toMatchObject({ state: 'Connected/SyncTarget/UpToDate', availability: 'degraded' });
    });

    it('8.0.12: `st:` roles, resync/act_log lines skipped', () => {
      const r = proc('ganeti__proc_drbd8.txt');
      expect(r.kernelVersion).toBe('8.0.12');
      expect(r.unconfiguredMinors).toEqual([2]);
      expect(r.resources.map((x) => [x.name, x.role, x.connections[0]!.peerRole])).toEqual([
        ['drbd0', 'Primary', 'Secondary'],
        ['drbd1', 'Secondary', 'Primary'],
        ['drbd4', 'Primary', 'Unknown'],
        ['drbd5', 'Primary', 'Secondary'],
        ['drbd6', 'Secondary', 'Primary'],
        ['drbd7', 'Secondary', 'Unknown'],
        ['drbd8', 'Secondary', 'Unknown'],
      ]);
      expect(res(r, 'drbd0').devices[0]).toMatchObject({ alWrites: 1067, writtenBytes: 4_446_279 * 1024 });
      // 8.0 prints no wo:/oos:
      expect(res(r, 'drbd0').writeOrdering).toBeNull();
      expect(res(r, 'drbd0').connections[0]!.peerDevices[0]!.outOfSyncBytes).toBeNull();
      const e = proc('ganeti__proc_drbd80-emptyline.txt');
      expect(e.resources.map((x) => x.name)).toEqual(['drbd0']);
      expect(e.unconfiguredMinors).toEqual([1, 2, 5, 6]);
    });

    it('node_exporter 8.4.3: both Primary (ro:Primary/Primary); lo/pe/ua/ap/oos mapped', () => {
      const r = proc('node_exporter__proc_drbd.txt');
      const x = res(r, 'drbd1');
      expect([x.role, x.connections[0]!.peerRole]).toEqual(['Primary', 'Primary']);
      expect(x.devices[0]).toMatchObject({ lowerPending: 12345, upperPending: 12348 });
      expect(x.connections[0]!.peerDevices[0]).toMatchObject({ pending: 12346, unacked: 12347, outOfSyncBytes: 12349 * 1024, sentBytes: 17_324_442 * 1024, receivedBytes: 10_961_011 * 1024 });
    });
  });

  describe('drbdsetup status --json (ha_cluster_exporter sample)', () => {
    it('two resources, one without quorum (degraded); sizes in bytes', () => {
      const r = value(parseDrbdStatusJson(readFileSync(join(DIR, 'status-json', jsonFiles[0]!), 'utf8')), 'json');
      expect(r.resources.map((x) => [x.name, x.nodeId, x.role, x.devices[0]!.quorum, x.devices[0]!.sizeBytes])).toEqual([
        ['1-single-0', 2, 'Secondary', true, 409_600 * 1024],
        ['1-single-1', 2, 'Secondary', false, 10_200 * 1024],
      ]);
      const c = res(r, '1-single-0').connections[0]!;
      expect(c).toMatchObject({ name: 'SLE15-sp1-gm-drbd1145296-node1', peerNodeId: 1, connectionState: 'Connected', peerRole: 'Primary', congested: false });
      expect(c.peerDevices[0]).toMatchObject({ replicationState: 'Established', peerDiskState: 'UpToDate', receivedBytes: 456 * 1024, sentBytes: 654 * 1024, outOfSyncBytes: 0, syncDonePercent: null });
      expect(drbdStates(r).filter((s) => s.kind === 'drbd_resource')).toEqual([
        { kind: 'drbd_resource', id: '1-single-0', state: 'Secondary', availability: 'up' },
        { kind: 'drbd_resource', id: '1-single-1', state: 'Secondary', availability: 'degraded' },
      ]);
    });
  });
});
