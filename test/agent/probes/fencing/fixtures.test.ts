// The fencing parsers against the shared fixture set: every sbd output (generated sbd 1.5.2 + the collected
// ha_cluster_exporter dump) and every fence history in the Pacemaker crm_mon XML captures (generated, Pacemaker
// 2.1.5). Read in place; skipped when /work/shared/fixtures is absent.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { ObjectState, Sample } from '../../../../agent/protocol/index.js';
import { FencingReport } from '../../../../agent/protocol/fencing.js';
import { parseSbdDump, parseSbdList, parseStonithHistory } from '../../../../agent/probes/fencing/parse.js';
import { FENCING_METRICS, fencingSamples, fencingStates } from '../../../../agent/probes/fencing/observe.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const SHARED = SHARED_FIXTURES;
const SBD = join(SHARED, 'sbd');
const HAVE = existsSync(SBD);
const ls = (d: string, re: RegExp) => (existsSync(d) && statSync(d).isDirectory() ? readdirSync(d).filter((f) => re.test(f)).sort() : []);
const sbdText = (f: string) => readFileSync(join(SBD, f), 'utf8');
const DEV = '/dev/disk/by-id/scsi-36001405a1b2c3d4e5f60718293a4b5c6';
const DEV2 = '/dev/disk/by-id/scsi-36001405f0e1d2c3b4a5968778695a4b3';

const checkReport = (name: string, r: FencingReport, failures: string[]): void => {
  if (!Value.Check(FencingReport, r)) failures.push(`${name}: report does not match the schema`);
  const defs = new Map(FENCING_METRICS.map((m) => [m.name, m] as const));
  for (const s of fencingSamples(r)) {
    if (!Value.Check(Sample, s)) failures.push(`${name}: bad sample`);
    const d = defs.get(s.metric);
    if (!d || [...d.labels].sort().join() !== Object.keys(s.labels).sort().join()) failures.push(`${name}: undeclared ${s.metric}`);
  }
  for (const s of fencingStates(r)) if (!Value.Check(ObjectState, s)) failures.push(`${name}: bad state ${JSON.stringify(s)}`);
};

describe.skipIf(!HAVE)(`fencing fixtures from ${SHARED}${HAVE ? '' : ' (skipped: not found; set HAWATCH_SHARED_FIXTURES)'}`, () => {
  it('sbd (generated, sbd 1.5.2): every dump and list file parses; create/message outputs are not either', () => {
    const files = ls(SBD, /\.txt$/);
    expect(files).toHaveLength(16);
    const dumps = files.filter((f) => f.includes('dump'));
    const lists = files.filter((f) => f.includes('-list-'));
    expect(dumps).toEqual(['02-dump.txt', '14-dump-two-devices.txt', '16-dump-missing-device.txt']);
    expect(lists).toHaveLength(7);
    const failures: string[] = [];
    for (const f of dumps) if (!parseSbdDump(sbdText(f)).ok) failures.push(f);
    for (const f of lists) if (!parseSbdList(sbdText(f)).ok) failures.push(f);
    // `create` prints prose and `message` nothing: neither is a dump
    for (const f of files.filter((x) => x.includes('create'))) if (parseSbdDump(sbdText(f)).ok) failures.push(`${f} should not parse as a dump`);
    expect(failures).toEqual([]);
  });

  it('02-dump: header 2.1, 255 slots, watchdog 15 s, msgwait 30 s (created with -1 15 -4 30)', () => {
    expect(parseSbdDump(sbdText('02-dump.txt'))).toEqual({
      ok: true,
      value: [
        {
          device: DEV,
          error: null,
          header: { version: '2.1', uuid: '4e97760f-638b-4e26-a7b3-1bd57524bf2d', slots: 255, sectorSize: 512, watchdogTimeoutSeconds: 15, allocateTimeoutSeconds: 2, loopTimeoutSeconds: 1, msgwaitTimeoutSeconds: 30 },
        },
      ],
    });
  });

  it('14-dump-two-devices: the second device has sbd defaults (watchdog 5, msgwait 10)', () => {
    const r = parseSbdDump(sbdText('14-dump-two-devices.txt'));
    expect(r.ok && r.value.map((e) => [e.device, e.header?.watchdogTimeoutSeconds, e.header?.msgwaitTimeoutSeconds])).toEqual([
      [DEV, 15, 30],
      [DEV2, 5, 10],
    ]);
  });

  it('16-dump-missing-device: unreadable (stdout line last: block-buffered) → an entry with an error', () => {
    expect(parseSbdDump(sbdText('16-dump-missing-device.txt'))).toEqual({
      ok: true,
      value: [{ device: '/dev/sdb_missing', header: null, error: { code: 'fencing.sbd_unreadable', message: 'sbd could not read the header of /dev/sdb_missing' } }],
    });
  });

  it('slot lists through the message sequence: clear → test → reset pending → off → cleared', () => {
    const slots = (f: string) => {
      const r = parseSbdList(sbdText(f));
      if (!r.ok) throw r.error;
      return r.value.map((s) => [s.slot, s.node, s.message, s.source]);
    };
    expect(slots('03-list-empty.txt')).toEqual([]);
    expect(slots('04-list-allocated-clear.txt')).toEqual([[0, 'node1', 'clear', null], [1, 'node2', 'clear', null], [2, 'node3', 'clear', null]]);
    expect(slots('06-list-after-test-message.txt')).toEqual([[0, 'node1', 'clear', null], [1, 'node2', 'test', 'node1'], [2, 'node3', 'clear', null]]);
    expect(slots('08-list-node3-reset-pending.txt')[2]).toEqual([2, 'node3', 'reset', 'node1']);
    expect(slots('10-list-reset-and-off.txt')).toEqual([[0, 'node1', 'off', 'node2'], [1, 'node2', 'test', 'node1'], [2, 'node3', 'reset', 'node1']]);
    // clearing keeps the source of the last message
    expect(slots('12-list-after-clear.txt')[2]).toEqual([2, 'node3', 'clear', 'node1']);
    const parsedList = parseSbdList(sbdText('10-list-reset-and-off.txt'));
    if (!parsedList.ok) throw parsedList.error;
    const r: FencingReport = { sbd: [{ device: DEV, header: null, slots: parsedList.value, error: null }], stonith: null, problems: [] };
    expect(fencingStates(r).filter((s) => s.kind === 'sbd_slot').map((s) => [s.id, s.state, s.availability])).toEqual([
      [`${DEV}:node1`, 'off', 'down'],
      [`${DEV}:node2`, 'test', 'up'],
      [`${DEV}:node3`, 'reset', 'down'],
    ]);
  });

  const COLLECTED = join(SBD, 'collected', 'ha_cluster_exporter__sbd-dump.txt');
  it.skipIf(!existsSync(COLLECTED))(`collected ha_cluster_exporter sbd dump${existsSync(COLLECTED) ? '' : ' (skipped: not found)'}`, () => {
    const r = parseSbdDump(readFileSync(COLLECTED, 'utf8'));
    expect(r.ok && r.value.map((e) => [e.device, e.header?.watchdogTimeoutSeconds, e.header?.msgwaitTimeoutSeconds, e.header?.uuid])).toEqual([
      ['/dev/vdc', 9, 10, '1ed3171d-066d-47ca-8f76-aec25d9efed4'],
    ]);
  });

  it('fence history inside every generated crm_mon XML (pacemaker/live, timelines): parsed like stonith_admin output', () => {
    const files: string[] = [];
    const live = join(SHARED, 'pacemaker', 'live');
    for (const f of ls(live, /\.crm_mon.*\.xml$/)) files.push(join(live, f));
    const tl = join(SHARED, 'timelines');
    for (const scen of ls(tl, /./)) for (const n of ls(join(tl, scen), /^n\d+$/)) for (const f of ls(join(tl, scen, n), /crm_mon.*\.out$/)) files.push(join(tl, scen, n, f));
    expect(files.length).toBeGreaterThanOrEqual(23);
    const failures: string[] = [];
    let events = 0;
    for (const f of files) {
      const r = parseStonithHistory(readFileSync(f, 'utf8'));
      if (!r.ok) {
        failures.push(`${f}: ${r.error.code} ${r.error.message}`);
        continue;
      }
      events += r.value.events.length;
      checkReport(f, { sbd: [], stonith: r.value, problems: [] }, failures);
    }
    expect(failures).toEqual([]);
    expect(events).toBeGreaterThanOrEqual(20);
  });

  it('live 08 (node3 crashed, fencing failing): a pending reboot of node3 after an older success → degraded', () => {
    const r = parseStonithHistory(readFileSync(join(SHARED, 'pacemaker', 'live', '08-node3-crashed-fencing-failing.crm_mon.xml'), 'utf8'));
    if (!r.ok) throw r.error;
    expect(r.value.events.map((e) => [e.target, e.action, e.status, e.completed])).toEqual([
      ['node3', 'reboot', 'pending', null],
      ['node3', 'reboot', 'success', '2026-11-23T18:06:01Z'],
    ]);
    expect(fencingStates({ sbd: [], stonith: r.value, problems: [] })).toEqual([{ kind: 'fence_target', id: 'node3', state: 'reboot:pending', availability: 'degraded' }]);
  });

  it('13-cluster-not-running: crm_mon not connected → connected false, no fence states', () => {
    const r = parseStonithHistory(readFileSync(join(SHARED, 'pacemaker', 'live', '13-cluster-not-running.crm_mon.xml'), 'utf8'));
    expect(r).toMatchObject({ ok: true, value: { connected: false, code: 102, message: 'Not connected', events: [] } });
  });
});
