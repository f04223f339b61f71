// Pure mapping of an iscsi report to samples and per-object states (one `iscsi_session` per target + portal, and
// one for each configured node record without a session). Sorted, deterministic output.
import type { ObjectState, Sample } from '../../protocol/index.js';
import type { IscsiNode, IscsiReport, IscsiSession } from '../../protocol/iscsi.js';
import { formatPortal } from './parse.js';
import { bool01 as b, oneHot, sampleSet, sortStates, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_iscsi_';
const S = ['target', 'portal', 'iface'];

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const ISCSI_METRICS: readonly MetricDef[] = [
  { name: `${P}sessions`, labels: [], help: 'iSCSI sessions on this node' },
  { name: `${P}session_state`, labels: [...S, 'state'], help: "one-hot kernel session state: LOGGED_IN, FAILED, FREE, UNKNOWN" },
  { name: `${P}session_connection_state`, labels: [...S, 'state'], help: "one-hot iscsid connection state (absent when iscsid did not say)" },
  { name: `${P}session_recovery_timeout_seconds`, labels: S, help: 'replacement/recovery timeout of the session' },
  { name: `${P}session_disks`, labels: S, help: 'SCSI disks attached through the session' },
  { name: `${P}disk_running`, labels: [...S, 'disk'], help: 'the attached disk is in state running' },
  { name: `${P}node_records`, labels: [], help: 'configured node records (iscsiadm -m node)' },
  { name: `${P}node_session`, labels: ['target', 'portal'], help: 'the configured node record has a session (0 = configured, not logged in)' },
];

export const SESSION_STATES = ['LOGGED_IN', 'FAILED', 'FREE', 'UNKNOWN'] as const;
export const CONNECTION_STATES = ['FREE', 'TRANSPORT_WAIT', 'IN_LOGIN', 'LOGGED_IN', 'IN_LOGOUT', 'LOGOUT_REQUESTED', 'CLEANUP_WAIT'] as const;

const ifaceOf = (s: IscsiSession): string => s.iface?.name ?? '-';

/**
 * The state of one session: the kernel's session state, with `/disks:STATE,...` appended when an attached disk is not
 * running. LOGGED_IN up, degraded when iscsid says the connection is not LOGGED_IN or a disk is not running;
 * FAILED and FREE down; unknown otherwise.
 */
export const sessionState = (s: IscsiSession): { state: string; availability: Availability } => {
  const st = s.sessionState ?? 'UNKNOWN';
  const bad = [...new Set((s.disks ?? []).filter((d) => d.state !== null && d.state !== 'running').map((d) => d.state!))].sort();
  const state = bad.length === 0 ? st : `${st}/disks:${bad.join(',')}`.slice(0, 128);
  if (st === 'LOGGED_IN') {
    const connBad = s.connectionState !== null && s.connectionState !== 'LOGGED_IN';
    return { state, availability: connBad || bad.length > 0 ? 'degraded' : 'up' };
  }
  if (st === 'FAILED' || st === 'FREE') return { state, availability: 'down' };
  return { state, availability: 'unknown' };
};

/** Does the session belong to the node record (same target and current or persistent portal)? */
const matches = (n: IscsiNode, s: IscsiSession): boolean =>
  n.target === s.target &&
  ((s.address === null && s.persistentAddress === null) ||
    (n.address === s.persistentAddress && n.port === s.persistentPort) ||
    (n.address === s.address && n.port === s.port));

/**
 * Ids `TARGET@PORTAL` (just `TARGET` when only sysfs was read); `%IFACE` added when one target+portal has several
 * sessions and the iface is known, `~SID` when still not unique.
 */
const sessionIds = (sessions: readonly IscsiSession[]): Map<IscsiSession, string> => {
  const base = (s: IscsiSession) => (s.address === null ? s.target : `${s.target}@${formatPortal(s.address, s.port)}`);
  const count = new Map<string, number>();
  for (const s of sessions) count.set(base(s), (count.get(base(s)) ?? 0) + 1);
  const ids = new Map<IscsiSession, string>();
  const used = new Set<string>();
  for (const s of sessions) {
    let id = (count.get(base(s)) ?? 0) > 1 && s.iface?.name ? `${base(s)}%${s.iface.name}` : base(s);
    if (used.has(id)) id = `${id}~${s.sid}`;
    used.add(id);
    ids.set(s, id.slice(0, 512));
  }
  return ids;
};

export const iscsiSamples = (r: IscsiReport): Sample[] => {
  const { add, samples } = sampleSet(P);
  add('sessions', r.sessions.length);
  for (const s of r.sessions) {
    const l = { target: s.target, portal: formatPortal(s.address, s.port), iface: ifaceOf(s) };
    oneHot(add, 'session_state', SESSION_STATES, s.sessionState ?? 'UNKNOWN', l);
    if (s.connectionState !== null) oneHot(add, 'session_connection_state', CONNECTION_STATES, s.connectionState, l);
    add('session_recovery_timeout_seconds', s.recoveryTimeoutSeconds, l);
    if (s.disks !== null) {
      add('session_disks', s.disks.length, l);
      for (const d of s.disks) if (d.device !== null) add('disk_running', b(d.state === 'running'), { ...l, disk: d.device });
    }
  }
  if (r.nodes !== null) {
    add('node_records', r.nodes.length);
    for (const n of r.nodes) add('node_session', b(r.sessions.some((s) => matches(n, s))), { target: n.target, portal: formatPortal(n.address, n.port) });
  }
  return samples();
};

/** `iscsi_session` per session, and `no-session` (down) for each configured node record that has none. */
export const iscsiStates = (r: IscsiReport): ObjectState[] => {
  const out: ObjectState[] = [];
  const ids = sessionIds(r.sessions);
  for (const s of r.sessions) out.push({ kind: 'iscsi_session', id: ids.get(s)!, ...sessionState(s) });
  const seen = new Set(out.map((s) => s.id));
  for (const n of r.nodes ?? []) {
    if (r.sessions.some((s) => matches(n, s))) continue;
    const id = `${n.target}@${formatPortal(n.address, n.port)}`.slice(0, 512);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ kind: 'iscsi_session', id, state: 'no-session', availability: 'down' });
  }
  return sortStates(out);
};
