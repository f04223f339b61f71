// The README's metric table, DRBD_METRICS and what observe.ts really emits must agree; plus the state mapping.
import { describe, expect, it } from 'vitest';
import { DRBD_METRICS, deviceAvailability, drbdSamples, drbdStates, peerAvailability, resourceState } from '../../../../agent/probes/drbd/observe.js';
import type { DrbdConnection, DrbdDevice, DrbdPeerDevice, DrbdReport, DrbdResource } from '../../../../agent/protocol/drbd.js';
import { expectEmittedAsListed, expectTableListsMetrics, probeReadmeTable } from '../../../helpers/readme-metrics.js';

const device = (o: Partial<DrbdDevice> = {}): DrbdDevice => ({
  volume: 0, minor: 1, diskState: 'UpToDate', client: false, quorum: true, open: true, backingDevice: '/dev/vdb',
  sizeBytes: 1, readBytes: 2, writtenBytes: 3, alWrites: 4, bmWrites: 5, upperPending: 6, lowerPending: 7, ...o,
});
const peerDevice = (o: Partial<DrbdPeerDevice> = {}): DrbdPeerDevice => ({
  volume: 0, replicationState: 'SyncSource', peerDiskState: 'Inconsistent', peerClient: false, resyncSuspended: 'no',
  syncDonePercent: 40, syncEtaSeconds: 30, outOfSyncBytes: 8, receivedBytes: 9, sentBytes: 10, pending: 1, unacked: 2, ...o,
});
const connection = (o: Partial<DrbdConnection> = {}): DrbdConnection => ({
  peerNodeId: 1, name: 'bob', connectionState: 'Connected', peerRole: 'Secondary', congested: false, apInFlightBytes: 512,
  rsInFlightBytes: 1024, peerDevices: [peerDevice()], ...o,
});
const resource = (o: Partial<DrbdResource> = {}): DrbdResource => ({
  name: 'r0', nodeId: 0, role: 'Primary', suspended: false, writeOrdering: 'flush', mayPromote: false, promotionScore: 10101,
  devices: [device()], connections: [connection()], ...o,
});
/** A report in which every field is known (what events2 --statistics plus status --json together can show). */
const FULL: DrbdReport = {
  source: 'drbd-events2', moduleLoaded: true, kernelVersion: '9.2.8', resources: [resource()], unconfiguredMinors: [],
  helperEvents: [
    { at: '2026-11-23T18:06:02.500000+01:00', kind: 'call', resource: 'r0', peer: 'bob', volume: 0, helper: 'split-brain', status: null },
    { at: '2026-11-23T18:06:02.600000+01:00', kind: 'response', resource: 'r0', peer: 'bob', volume: 0, helper: 'split-brain', status: 0 },
  ],
  splitBrainHelperSeen: null,
};

describe('drbd README metric table', () => {
  const table = probeReadmeTable('drbd');

  it('lists exactly the metrics of DRBD_METRICS, with the same labels', () => {
    expectTableListsMetrics(table, DRBD_METRICS);
  });

  it('a fully known report emits every listed metric with the listed labels, and nothing unlisted', () => {
    expectEmittedAsListed(table, drbdSamples(FULL));
  });

  it('uses Prometheus naming: hawatch_drbd_ prefix, snake_case, base units, _total only on counters', () => {
    for (const m of DRBD_METRICS) {
      expect(m.name).toMatch(/^hawatch_drbd_[a-z][a-z0-9_]*$/);
      expect(m.name).not.toMatch(/_(kib|kb|sectors|percent|ms)(_|$)/);
    }
  });
});

describe('drbd state mapping', () => {
  it('devices: UpToDate up, Diskless down unless an intentional client, Failed down, in-between degraded, DUnknown unknown', () => {
    expect(deviceAvailability(device())).toBe('up');
    expect(deviceAvailability(device({ diskState: 'Diskless', client: false }))).toBe('down');
    expect(deviceAvailability(device({ diskState: 'Diskless', client: true }))).toBe('up');
    expect(deviceAvailability(device({ diskState: 'Failed' }))).toBe('down');
    for (const d of ['Inconsistent', 'Outdated', 'Consistent', 'Attaching', 'Detaching', 'Negotiating']) expect(deviceAvailability(device({ diskState: d })), d).toBe('degraded');
    expect(deviceAvailability(device({ diskState: 'DUnknown' }))).toBe('unknown');
  });

  it('peers: Connected/Established/UpToDate up; syncing or peer not UpToDate degraded; not connected down', () => {
    const ok = peerDevice({ replicationState: 'Established', peerDiskState: 'UpToDate' });
    expect(peerAvailability(connection(), ok)).toBe('up');
    expect(peerAvailability(connection(), peerDevice({ replicationState: 'SyncTarget' }))).toBe('degraded');
    expect(peerAvailability(connection(), peerDevice({ replicationState: 'Established', peerDiskState: 'Outdated' }))).toBe('degraded');
    expect(peerAvailability(connection(), peerDevice({ replicationState: 'Established', peerDiskState: 'Diskless', peerClient: true }))).toBe('up');
    for (const c of ['StandAlone', 'Connecting', 'WFConnection', 'NetworkFailure', 'Unconnected']) expect(peerAvailability(connection({ connectionState: c }), ok), c).toBe('down');
    expect(peerAvailability(connection({ connectionState: 'Unknown' }), ok)).toBe('unknown');
    expect(peerAvailability(connection(), null)).toBe('degraded');
  });

  it('resources: suspended down, no quorum degraded, split brain while disconnected degraded and marked; clears on reconnect', () => {
    expect(resourceState(resource(), false)).toEqual({ state: 'Primary', availability: 'up' });
    expect(resourceState(resource({ suspended: true }), false).availability).toBe('down');
    expect(resourceState(resource({ devices: [device({ quorum: false })] }), false).availability).toBe('degraded');
    expect(resourceState(resource({ role: 'Unknown' }), false).availability).toBe('unknown');
    const alone = resource({ connections: [connection({ connectionState: 'StandAlone' })] });
    expect(resourceState(alone, true)).toEqual({ state: 'Primary+split-brain', availability: 'degraded' });
    expect(resourceState(resource(), true)).toEqual({ state: 'Primary', availability: 'up' });
  });

  it('states are sorted and unique; a connection without peer devices gets RESOURCE/PEER', () => {
    const r: DrbdReport = { ...FULL, resources: [resource({ connections: [connection({ name: 'carol', connectionState: 'Connecting', peerDevices: [] }), connection()] })] };
    expect(drbdStates(r).map((s) => `${s.kind}:${s.id}:${s.state}`)).toEqual([
      'drbd_device:r0/0:UpToDate',
      'drbd_peer:r0/bob/0:Connected/SyncSource/Inconsistent',
      'drbd_peer:r0/carol:Connecting',
      // FULL has a split-brain helper and carol is not connected
      'drbd_resource:r0:Primary+split-brain',
    ]);
  });

  it('one-hot enums carry the printed value too, when it is not a known one', () => {
    const r: DrbdReport = { ...FULL, resources: [resource({ role: 'Primary', devices: [device({ diskState: 'Weird' })] })] };
    const disk = drbdSamples(r).filter((s) => s.metric === 'hawatch_drbd_device_disk_state');
    expect(disk.find((s) => s.labels['state'] === 'Weird')?.value).toBe(1);
    expect(disk.filter((s) => s.value === 1)).toHaveLength(1);
    expect(disk).toHaveLength(11);
  });
});
