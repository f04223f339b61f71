// Pure mapping of a drbd report to Prometheus-style samples and per-object states. Enums are one-hot gauges with
// a `state` label; output is sorted, so the same report always gives the same arrays.
import type { ObjectState, Sample } from '../../protocol/index.js';
import type { DrbdConnection, DrbdDevice, DrbdPeerDevice, DrbdReport, DrbdResource } from '../../protocol/drbd.js';
import { SPLIT_BRAIN_HELPERS, SYNC_STATES } from './parse.js';
import { bool01 as b, oneHot, sampleSet, stateSet, type AddSample, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_drbd_';
const R = ['resource'];
const V = ['resource', 'volume'];
const C = ['resource', 'peer'];
const PD = ['resource', 'peer', 'volume'];

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const DRBD_METRICS: readonly MetricDef[] = [
  { name: `${P}module_loaded`, labels: [], help: 'the DRBD kernel module is loaded' },
  { name: `${P}resources`, labels: [], help: 'resources configured on this node' },
  { name: `${P}resource_role`, labels: [...R, 'state'], help: 'one-hot local role: Primary, Secondary, Unknown' },
  { name: `${P}resource_suspended`, labels: R, help: 'I/O of the resource is suspended (absent when not printed)' },
  { name: `${P}resource_may_promote`, labels: R, help: 'the resource may be promoted here (events2 only)' },
  { name: `${P}resource_promotion_score`, labels: R, help: 'promotion score (events2 only)' },
  { name: `${P}device_disk_state`, labels: [...V, 'state'], help: 'one-hot local disk state (UpToDate, Inconsistent, Diskless, ...)' },
  { name: `${P}device_quorum`, labels: V, help: 'the device has quorum (absent when not printed)' },
  { name: `${P}device_size_bytes`, labels: V, help: 'device size' },
  { name: `${P}device_read_bytes_total`, labels: V, help: 'bytes read from the local disk' },
  { name: `${P}device_written_bytes_total`, labels: V, help: 'bytes written to the local disk' },
  { name: `${P}device_al_writes_total`, labels: V, help: 'activity log updates' },
  { name: `${P}device_bm_writes_total`, labels: V, help: 'bitmap updates' },
  { name: `${P}device_upper_pending`, labels: V, help: 'application requests not yet completed' },
  { name: `${P}device_lower_pending`, labels: V, help: 'local disk requests not yet completed' },
  { name: `${P}connection_state`, labels: [...C, 'state'], help: 'one-hot connection state (Connected, Connecting, StandAlone, ...)' },
  { name: `${P}connection_peer_role`, labels: [...C, 'state'], help: 'one-hot role of the peer: Primary, Secondary, Unknown' },
  { name: `${P}connection_congested`, labels: C, help: 'the connection is congested' },
  { name: `${P}connection_ap_in_flight_bytes`, labels: C, help: 'application writes in flight to the peer' },
  { name: `${P}connection_rs_in_flight_bytes`, labels: C, help: 'resync requests in flight to the peer' },
  { name: `${P}peer_device_replication_state`, labels: [...PD, 'state'], help: 'one-hot replication state (Established, SyncSource, SyncTarget, Off, ...)' },
  { name: `${P}peer_device_peer_disk_state`, labels: [...PD, 'state'], help: "one-hot peer's disk state" },
  { name: `${P}peer_device_out_of_sync_bytes`, labels: PD, help: 'data out of sync with the peer' },
  { name: `${P}peer_device_sync_done_ratio`, labels: PD, help: 'resync/verify progress 0..1 (only while one runs)' },
  { name: `${P}peer_device_sync_eta_seconds`, labels: PD, help: 'estimated time to the end of the resync (when known)' },
  { name: `${P}peer_device_received_bytes_total`, labels: PD, help: 'bytes received from the peer' },
  { name: `${P}peer_device_sent_bytes_total`, labels: PD, help: 'bytes sent to the peer' },
  { name: `${P}peer_device_pending`, labels: PD, help: 'requests sent to the peer, not yet answered' },
  { name: `${P}peer_device_unacked`, labels: PD, help: 'requests from the peer, not yet answered' },
  { name: `${P}split_brain_helper_seen`, labels: R, help: 'a split-brain helper was called for the resource (since the agent started / in the parsed events)' },
  { name: `${P}helper_last_exit_status`, labels: [...R, 'helper'], help: 'exit status of the last response of each helper' },
];

export const ROLES = ['Primary', 'Secondary', 'Unknown'] as const;
export const DISK_STATES = ['Diskless', 'Attaching', 'Detaching', 'Failed', 'Negotiating', 'Inconsistent', 'Outdated', 'DUnknown', 'Consistent', 'UpToDate'] as const;
export const CONNECTION_STATES = [
  'StandAlone', 'Disconnecting', 'Unconnected', 'Timeout', 'BrokenPipe', 'NetworkFailure', 'ProtocolError', 'TearDown',
  'Connecting', 'Connected', 'WFConnection', 'WFReportParams',
] as const;
export const REPLICATION_STATES = [
  'Off', 'Established', 'StartingSyncS', 'StartingSyncT', 'WFBitMapS', 'WFBitMapT', 'WFSyncUUID', 'SyncSource',
  'SyncTarget', 'VerifyS', 'VerifyT', 'PausedSyncS', 'PausedSyncT', 'Ahead', 'Behind',
] as const;

/** Local disk: UpToDate (or an intentional diskless client) up; Diskless and Failed down; DUnknown unknown; the rest degraded. */
export const deviceAvailability = (d: DrbdDevice): Availability => {
  switch (d.diskState) {
    case 'UpToDate':
      return 'up';
    case 'Diskless':
      return d.client === true ? 'up' : 'down';
    case 'Failed':
      return 'down';
    case 'Consistent':
    case 'Outdated':
    case 'Inconsistent':
    case 'Negotiating':
    case 'Attaching':
    case 'Detaching':
      return 'degraded';
    default:
      return 'unknown';
  }
};

/**
 * A peer (device): Connected + Established + peer disk UpToDate (or an intentional diskless peer) up; connected but
 * syncing, Ahead/Behind, or the peer's disk not UpToDate degraded; not connected (StandAlone, Connecting,
 * WFConnection, NetworkFailure, ...) down; Unknown unknown.
 */
export const peerAvailability = (c: DrbdConnection, p: DrbdPeerDevice | null): Availability => {
  if (c.connectionState === 'Unknown') return 'unknown';
  if (c.connectionState !== 'Connected') return 'down';
  if (p === null) return 'degraded';
  if (p.replicationState !== 'Established') return 'degraded';
  if (p.peerDiskState === 'UpToDate') return 'up';
  if (p.peerDiskState === 'Diskless' && p.peerClient === true) return 'up';
  return 'degraded';
};

const splitBrainResources = (r: DrbdReport): Set<string> => {
  const out = new Set<string>();
  for (const e of r.helperEvents) if (SPLIT_BRAIN_HELPERS.has(e.helper)) out.add(e.resource);
  if (r.splitBrainHelperSeen) out.add(r.splitBrainHelperSeen.resource);
  return out;
};

/**
 * Resource: the local role; `+split-brain` appended while a split-brain helper was seen and some connection is not
 * Connected (it clears when the peers reconnect). Unknown role unknown; suspended I/O down; split brain or a device
 * without quorum degraded; else up.
 */
export const resourceState = (res: DrbdResource, splitBrain: boolean): { state: string; availability: Availability } => {
  const sb = splitBrain && res.connections.some((c) => c.connectionState !== 'Connected');
  const state = sb ? `${res.role}+split-brain` : res.role;
  if (res.role === 'Unknown') return { state, availability: 'unknown' };
  if (res.suspended === true) return { state, availability: 'down' };
  if (sb || res.devices.some((d) => d.quorum === false)) return { state, availability: 'degraded' };
  return { state, availability: 'up' };
};

const resourceSamples = (res: DrbdResource, add: AddSample): void => {
  const rl = { resource: res.name };
  oneHot(add, 'resource_role', ROLES, res.role, rl);
  if (res.suspended !== null) add('resource_suspended', b(res.suspended), rl);
  if (res.mayPromote !== null) add('resource_may_promote', b(res.mayPromote), rl);
  add('resource_promotion_score', res.promotionScore, rl);
  for (const d of res.devices) {
    const l = { ...rl, volume: String(d.volume) };
    oneHot(add, 'device_disk_state', DISK_STATES, d.diskState, l);
    if (d.quorum !== null) add('device_quorum', b(d.quorum), l);
    add('device_size_bytes', d.sizeBytes, l);
    add('device_read_bytes_total', d.readBytes, l);
    add('device_written_bytes_total', d.writtenBytes, l);
    add('device_al_writes_total', d.alWrites, l);
    add('device_bm_writes_total', d.bmWrites, l);
    add('device_upper_pending', d.upperPending, l);
    add('device_lower_pending', d.lowerPending, l);
  }
  for (const c of res.connections) {
    const l = { ...rl, peer: c.name };
    oneHot(add, 'connection_state', CONNECTION_STATES, c.connectionState, l);
    oneHot(add, 'connection_peer_role', ROLES, c.peerRole, l);
    if (c.congested !== null) add('connection_congested', b(c.congested), l);
    add('connection_ap_in_flight_bytes', c.apInFlightBytes, l);
    add('connection_rs_in_flight_bytes', c.rsInFlightBytes, l);
    for (const p of c.peerDevices) {
      const pl = { ...l, volume: String(p.volume) };
      oneHot(add, 'peer_device_replication_state', REPLICATION_STATES, p.replicationState, pl);
      oneHot(add, 'peer_device_peer_disk_state', DISK_STATES, p.peerDiskState, pl);
      add('peer_device_out_of_sync_bytes', p.outOfSyncBytes, pl);
      if (SYNC_STATES.has(p.replicationState)) {
        add('peer_device_sync_done_ratio', p.syncDonePercent === null ? null : p.syncDonePercent / 100, pl);
        add('peer_device_sync_eta_seconds', p.syncEtaSeconds, pl);
      }
      add('peer_device_received_bytes_total', p.receivedBytes, pl);
      add('peer_device_sent_bytes_total', p.sentBytes, pl);
      add('peer_device_pending', p.pending, pl);
      add('peer_device_unacked', p.unacked, pl);
    }
  }
};

/** Samples for one report, sorted by metric then labels; no duplicates; unknown values are left out. */
export const drbdSamples = (r: DrbdReport): Sample[] => {
  const set = sampleSet(P);
  const add: AddSample = (m, value, labels) => {
    if (value !== null && Number.isFinite(value)) set.add(m, value, labels);
  };
  add('module_loaded', b(r.moduleLoaded));
  if (r.moduleLoaded) add('resources', r.resources.length);
  for (const res of r.resources) resourceSamples(res, add);
  const sb = splitBrainResources(r);
  const names = new Set<string>([...r.resources.map((x) => x.name), ...r.helperEvents.map((e) => e.resource)]);
  for (const n of names) add('split_brain_helper_seen', b(sb.has(n)), { resource: n });
  // the last response per resource and helper wins (events are oldest first)
  const last = new Map<string, { resource: string; helper: string; status: number }>();
  for (const e of r.helperEvents) {
    if (e.kind === 'response' && e.status !== null) last.set(`${e.resource}\u0000${e.helper}`, { resource: e.resource, helper: e.helper, status: e.status });
  }
  for (const x of last.values()) set.put('helper_last_exit_status', x.status, { resource: x.resource, helper: x.helper });
  return set.samples();
};

/** States: `drbd_resource` (role), `drbd_device` (disk state), `drbd_peer` (connection/replication/peer disk). */
export const drbdStates = (r: DrbdReport): ObjectState[] => {
  const { put, states } = stateSet();
  const sb = splitBrainResources(r);
  for (const res of r.resources) {
    put({ kind: 'drbd_resource', id: res.name, ...resourceState(res, sb.has(res.name)) });
    for (const d of res.devices) {
      put({ kind: 'drbd_device', id: `${res.name}/${d.volume}`, state: d.diskState, availability: deviceAvailability(d) });
    }
    for (const c of res.connections) {
      if (c.peerDevices.length === 0) {
        put({ kind: 'drbd_peer', id: `${res.name}/${c.name}`, state: c.connectionState, availability: peerAvailability(c, null) });
        continue;
      }
      for (const p of c.peerDevices) {
        put({
          kind: 'drbd_peer',
          id: `${res.name}/${c.name}/${p.volume}`,
          state: `${c.connectionState}/${p.replicationState}/${p.peerDiskState}`,
          availability: peerAvailability(c, p),
        });
      }
    }
  }
  return states();
};
