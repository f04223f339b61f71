// Every probe the agent knows, by name (= folder = config key = metric subsystem), and the parsers
// that `hawatch parse SOURCE` can run on a captured output.
import type { TObject } from 'typebox';
import type { ParseSource, Probe } from './types.js';
import { createPacemakerProbe, PacemakerProbeOptions } from './pacemaker/probe.js';
import { parseCrmMonXml } from './pacemaker/parse.js';
import { createVrrpProbe, VrrpProbeOptions, VRRP_PARSE_SOURCES } from './vrrp/index.js';
import { createCorosyncProbe, CorosyncProbeOptions, COROSYNC_PARSE_SOURCES } from './corosync/index.js';
import { heartbeatProbe, HEARTBEAT_PARSE_SOURCES } from './heartbeat/index.js';
import { createDrbdProbe, DrbdProbeOptions, DRBD_PARSE_SOURCES } from './drbd/index.js';
import { createIscsiProbe, IscsiProbeOptions, ISCSI_PARSE_SOURCES } from './iscsi/index.js';
import { createFencingProbe, FencingProbeOptions, FENCING_PARSE_SOURCES } from './fencing/index.js';
import { createSlaProbe, SlaProbeOptions } from './sla/probe.js';
import type { LocalStateHistory } from './sla/history.js';

/** What the agent hands to probes that read its own state rather than a tool. */
export interface ProbeDeps {
  /** The node's state history (the sla probe); null without one. */
  slaHistory: LocalStateHistory | null;
}

export interface ProbeDescriptor {
  /** Builds the probe from its own options block (already checked against `options`). */
  create: (options: Record<string, unknown>, deps?: ProbeDeps) => Probe;
  /** The probe's own config keys with defaults, next to enabled/intervalSeconds/timeoutSeconds; none if absent. */
  options?: TObject;
  intervalSeconds: number;
  timeoutSeconds: number;
}

export const PROBES: Readonly<Record<string, ProbeDescriptor>> = {
  pacemaker: { create: (o) => createPacemakerProbe(o) as Probe, options: PacemakerProbeOptions, intervalSeconds: 10, timeoutSeconds: 8 },
  vrrp: { create: (o) => createVrrpProbe(o) as Probe, options: VrrpProbeOptions, intervalSeconds: 5, timeoutSeconds: 5 },
  corosync: { create: (o) => createCorosyncProbe(o) as Probe, options: CorosyncProbeOptions, intervalSeconds: 5, timeoutSeconds: 8 },
  heartbeat: { create: () => heartbeatProbe as Probe, intervalSeconds: 10, timeoutSeconds: 8 },
  drbd: { create: (o) => createDrbdProbe(o) as Probe, options: DrbdProbeOptions, intervalSeconds: 10, timeoutSeconds: 8 },
  iscsi: { create: (o) => createIscsiProbe(o) as Probe, options: IscsiProbeOptions, intervalSeconds: 15, timeoutSeconds: 10 },
  fencing: { create: (o) => createFencingProbe(o) as Probe, options: FencingProbeOptions, intervalSeconds: 30, timeoutSeconds: 15 },
  sla: { create: (o, deps) => createSlaProbe(o, deps?.slaHistory ?? null) as Probe, options: SlaProbeOptions, intervalSeconds: 60, timeoutSeconds: 30 },
};

export const PARSE_SOURCES: Readonly<Record<string, ParseSource>> = {
  'crm_mon-xml': {
    description: 'crm_mon --output-as=xml --include=all (Pacemaker 2.1+/3.x), or legacy crm_mon --as-xml (1.1)',
    parse: parseCrmMonXml,
  },
  ...VRRP_PARSE_SOURCES,
  ...COROSYNC_PARSE_SOURCES,
  ...HEARTBEAT_PARSE_SOURCES,
  ...DRBD_PARSE_SOURCES,
  ...ISCSI_PARSE_SOURCES,
  ...FENCING_PARSE_SOURCES,
};
