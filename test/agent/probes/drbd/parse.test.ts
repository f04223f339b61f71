// DRBD parsers on edge cases: empty, garbage and truncated input give typed errors (never a throw); events2 line
// forms (--timestamps, --diff, --color, helper lines, rename); DRBD 9's version-only /proc/drbd.
import { describe, expect, it } from 'vitest';
import { DRBD_PARSE_ERRORS, drbdMajor, parseDrbdEvents2, parseDrbdStatusJson, parseEvents2Line, parseProcDrbd } from '../../../../agent/probes/drbd/parse.js';
import { DRBD_PARSE_SOURCES } from '../../../../agent/probes/drbd/index.js';

/** A DRBD 9 /proc/drbd: only the version lines (the layout of DRBD 9.x kernel modules). */
const PROC_DRBD9 = 'version: 9.2.8 (api:2/proto:86-122)\nGIT-hash: 0000000000000000000000000000000000000000 build by root@build, 2024-01-01 00:00:00\nTransports (api:21): tcp (9.2.8)\n';

const SPLIT_BRAIN_STREAM = [
  '2026-11-23T18:05:38.123456+01:00 exists resource name:r0 role:Primary suspended:no force-io-failures:no may_promote:no promotion_score:10101',
  '2026-11-23T18:05:38.123470+01:00 exists connection name:r0 peer-node-id:1 conn-name:bob connection:Connected role:Secondary',
  '2026-11-23T18:05:38.123480+01:00 exists -',
  '2026-11-23T18:06:00.000001+01:00 change connection name:r0 peer-node-id:1 conn-name:bob connection:Unconnected',
  '2026-11-23T18:06:02.500000+01:00 call helper name:r0 peer-node-id:1 conn-name:bob volume:0 helper:split-brain',
  '2026-11-23T18:06:02.600000+01:00 response helper name:r0 peer-node-id:1 conn-name:bob volume:0 helper:split-brain status:0',
  '2026-11-23T18:06:02.700000+01:00 change connection name:r0 peer-node-id:1 conn-name:bob connection:StandAlone',
  '',
].join('\n');

describe('parseEvents2Line', () => {
  it('reads a --timestamps line (ISO 8601 with microseconds and offset)', () => {
    const r = parseEvents2Line('2026-11-23T18:05:38.123456+01:00 change resource name:r0 role:Primary');
    expect(r).toEqual({ ok: true, value: { at: '2026-11-23T18:05:38.123456+01:00', verb: 'change', object: 'resource', fields: { name: 'r0', role: 'Primary' } } });
  });

  it('takes the new value of --diff fields and strips --color escapes', () => {
    const r = parseEvents2Line('change peer-device name:r0 peer-node-id:1 conn-name:p volume:0 replication:Off->Established peer-disk:\u001b[32mUpToDate\u001b[0m');
    expect(r.ok && r.value?.fields).toEqual({ name: 'r0', 'peer-node-id': '1', 'conn-name': 'p', volume: '0', replication: 'Established', 'peer-disk': 'UpToDate' });
  });

  it('keeps addresses whole and reads `exists -`; an empty line is null', () => {
    const r = parseEvents2Line('create path name:r0 peer-node-id:1 conn-name:p local:ipv6:[fd00::1]:7789 peer:ipv4:5.6.7.8:7790 established:no');
    expect(r.ok && r.value?.fields['local']).toBe('ipv6:[fd00::1]:7789');
    expect(parseEvents2Line('exists -')).toEqual({ ok: true, value: { at: null, verb: 'exists', object: '-', fields: {} } });
    expect(parseEvents2Line('   ')).toEqual({ ok: true, value: null });
  });

  it('rejects garbage and cut lines with stable codes', () => {
    const code = (l: string) => {
      const r = parseEvents2Line(l);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code('hello world')).toBe(DRBD_PARSE_ERRORS.badLine);
    expect(code('change')).toBe(DRBD_PARSE_ERRORS.truncated);
    expect(code('change gizmo name:x')).toBe(DRBD_PARSE_ERRORS.badLine);
    expect(code('change resource role:Primary')).toBe(DRBD_PARSE_ERRORS.truncated);
    expect(code('change resource name:r0 garbage')).toBe(DRBD_PARSE_ERRORS.badLine);
    expect(code('exists - extra')).toBe(DRBD_PARSE_ERRORS.badLine);
  });
});

describe('parseDrbdEvents2', () => {
  it('a split-brain helper is reported with its time; the resource shows +split-brain while StandAlone', async () => {
    const r = parseDrbdEvents2(SPLIT_BRAIN_STREAM);
    if (!r.ok) throw r.error;
    expect(r.value.splitBrainHelperSeen).toEqual({
      at: '2026-11-23T18:06:02.600000+01:00', kind: 'response', resource: 'r0', peer: 'bob', volume: 0, helper: 'split-brain', status: 0,
    });
    expect(r.value.helperEvents).toHaveLength(2);
    const { drbdStates, drbdSamples } = await import('../../../../agent/probes/drbd/observe.js');
    expect(drbdStates(r.value)).toContainEqual({ kind: 'drbd_resource', id: 'r0', state: 'Primary+split-brain', availability: 'degraded' });
    expect(drbdSamples(r.value)).toContainEqual({ metric: 'hawatch_drbd_split_brain_helper_seen', labels: { resource: 'r0' }, value: 1 });
  });

  it('drops resync progress once the resync is over; `eta:nan` is unknown', () => {
    const base = 'create peer-device name:r0 peer-node-id:1 conn-name:p volume:0 replication:SyncTarget peer-disk:UpToDate done:12.50 eta:nan\n';
    const during = parseDrbdEvents2(base);
    expect(during.ok && during.value.resources[0]!.connections[0]!.peerDevices[0]).toMatchObject({ syncDonePercent: 12.5, syncEtaSeconds: null });
    const after = parseDrbdEvents2(`${base}change peer-device name:r0 peer-node-id:1 conn-name:p volume:0 replication:Established\n`);
    expect(after.ok && after.value.resources[0]!.connections[0]!.peerDevices[0]).toMatchObject({ syncDonePercent: null, syncEtaSeconds: null });
  });

  it('renames a resource and destroys connections', () => {
    const r = parseDrbdEvents2('create resource name:a role:Secondary\ncreate connection name:a peer-node-id:2 conn-name:x connection:Connecting role:Unknown\nrename resource name:a new_name:b\ndestroy connection name:b peer-node-id:2 conn-name:x\n');
    expect(r.ok && r.value.resources.map((x) => [x.name, x.connections.length])).toEqual([['b', 0]]);
  });

  it('empty, garbage and cut output → typed errors, with the line number', () => {
    expect(parseDrbdEvents2('')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.empty } });
    const g = parseDrbdEvents2('exists -\nmodprobe: FATAL: Module drbd not found\n');
    expect(g).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badLine } });
    expect(!g.ok && g.error.message).toMatch(/^line 2: /);
    expect(parseDrbdEvents2('create device name:r0 minor:1 disk:UpToDate\n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badValue } });
    expect(parseDrbdEvents2('create resource name:r0 promotion_score:1x\n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badValue } });
    expect(parseDrbdEvents2('create resource name:r0 role:Secondary\ncre')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badLine } });
  });
});

describe('parseDrbdStatusJson', () => {
  const ONE = JSON.stringify([
    {
      name: 'r0', 'node-id': 0, role: 'Primary', suspended: false, 'write-ordering': 'flush',
      devices: [{ volume: 0, minor: 0, 'disk-state': 'UpToDate', client: false, open: true, quorum: true, size: 1024, read: 1, written: 2, 'al-writes': 3, 'bm-writes': 4, 'upper-pending': 0, 'lower-pending': 0 }],
      connections: [
        {
          'peer-node-id': 1, name: 'bob', 'connection-state': 'Connected', congested: false, 'peer-role': 'Secondary', tls: false, 'ap-in-flight': 8, 'rs-in-flight': 16, paths: [],
          peer_devices: [
            {
              volume: 0, 'replication-state': 'SyncSource', 'peer-disk-state': 'Inconsistent', 'peer-client': false, 'resync-suspended': 'no', received: 0, sent: 100, 'out-of-sync': 512, pending: 0, unacked: 0,
              'has-sync-details': true, 'has-online-verify-details': false, 'percent-in-sync': 50, 'rs-total': 2048, 'estimated-seconds-to-finish': 987654321, 'percent-resync-done': 50,
            },
          ],
        },
      ],
    },
  ]);

  it('reads a DRBD 9.22-style document with resync details; the 987654321 "no estimate" becomes null', () => {
    const r = parseDrbdStatusJson(ONE);
    if (!r.ok) throw r.error;
    const p = r.value.resources[0]!.connections[0]!.peerDevices[0]!;
    expect(p).toMatchObject({ syncDonePercent: 50, syncEtaSeconds: null, outOfSyncBytes: 512 * 1024, sentBytes: 100 * 1024 });
    expect(r.value.resources[0]!.connections[0]).toMatchObject({ apInFlightBytes: 8 * 512, rsInFlightBytes: 16 * 512 });
    expect(r.value.resources[0]!.devices[0]).toMatchObject({ open: true, sizeBytes: 1024 * 1024 });
  });

  it('no resources: `[` `]`', () => {
    expect(parseDrbdStatusJson('[\n]\n\n')).toMatchObject({ ok: true, value: { resources: [], moduleLoaded: true, source: 'drbdsetup-status-json' } });
  });

  it('empty, not JSON, truncated, wrong shape → typed errors', () => {
    expect(parseDrbdStatusJson(' \n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.empty } });
    expect(parseDrbdStatusJson('# No currently configured DRBD found.\n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.unknownFormat } });
    expect(parseDrbdStatusJson(ONE.slice(0, ONE.length / 2))).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.invalidJson } });
    expect(parseDrbdStatusJson('{"name":"r0"}')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.unknownFormat } });
    expect(parseDrbdStatusJson('[{"name":"r0","role":"Primary","devices":[{"volume":"zero","disk-state":"UpToDate"}]}]')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badValue } });
    expect(parseDrbdStatusJson('[{"role":"Primary"}]')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badValue } });
  });
});

describe('parseProcDrbd', () => {
  it('DRBD 9: version only, no devices', () => {
    const r = parseProcDrbd(PROC_DRBD9);
    expect(r).toMatchObject({ ok: true, value: { kernelVersion: '9.2.8', resources: [], unconfiguredMinors: [] } });
    expect(drbdMajor('9.2.8')).toBe(9);
    expect(drbdMajor('8.4.11-1')).toBe(8);
    expect(drbdMajor(null)).toBeNull();
  });

  it('empty, garbage, truncated device line, unknown line → typed errors', () => {
    expect(parseProcDrbd('')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.empty } });
    expect(parseProcDrbd('cat: /proc/drbd: No such file or directory\n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.unknownFormat } });
    expect(parseProcDrbd('version: 8.4.2 (api:1/proto:86-101)\n 0: cs:Connected ro:Prim')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.truncated } });
    expect(parseProcDrbd('version: 8.4.2 (api:1/proto:86-101)\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n what is this?\n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badLine } });
    expect(parseProcDrbd('version: 8.4.2\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:x nr:0\n')).toMatchObject({ ok: false, error: { code: DRBD_PARSE_ERRORS.badValue } });
  });
});

describe('DRBD_PARSE_SOURCES', () => {
  it('names the three sources, each a parser that never throws', () => {
    expect(Object.keys(DRBD_PARSE_SOURCES).sort()).toEqual(['drbd-events2', 'drbd-status-json', 'proc-drbd']);
    for (const s of Object.values(DRBD_PARSE_SOURCES)) {
      for (const input of ['', '\u0000\u0001', '{', 'x'.repeat(10_000), '[]']) expect(() => s.parse(input)).not.toThrow();
    }
  });
});
