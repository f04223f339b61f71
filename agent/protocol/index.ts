// The push protocol between agent and collector: one schema, from which both sides take their types.
// The collector imports from agent/ only this folder.
import Type, { type Static } from 'typebox';
import { PacemakerReport } from './pacemaker.js';
import { VrrpReport } from './vrrp.js';
import { CorosyncReport } from './corosync.js';
import { HeartbeatReport } from './heartbeat.js';
import { DrbdReport } from './drbd.js';
import { IscsiReport } from './iscsi.js';
import { FencingReport } from './fencing.js';
import { SlaReport } from './sla.js';

export const PROTOCOL_VERSION = 1;

const Name = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9._:@-]+$' });

/** One numeric sample; metric names follow Prometheus conventions (base units). */
export const Sample = Type.Object(
  {
    metric: Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' }),
    labels: Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String({ maxLength: 1024 })),
    value: Type.Number(),
  },
  { additionalProperties: false },
);
export type Sample = Static<typeof Sample>;

/**
 * The state of one object as this node sees it (a node, a resource, a VRRP instance ...).
 * The collector turns changes of these into transition rows: the history that SLA, events and alerts read.
 */
export const ObjectState = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 64 }),
    id: Type.String({ minLength: 1, maxLength: 512 }),
    state: Type.String({ minLength: 1, maxLength: 128 }),
    /** Availability class for SLA maths. */
    availability: Type.Union([
      Type.Literal('up'),
      Type.Literal('down'),
      Type.Literal('degraded'),
      Type.Literal('unknown'),
      Type.Literal('maintenance'),
    ]),
  },
  { additionalProperties: false },
);
export type ObjectState = Static<typeof ObjectState>;

export const ProbeStatus = Type.Union([
  Type.Literal('ok'),
  /** the tool is not installed on this node */
  Type.Literal('absent'),
  /** the tool ran but failed or printed something we could not read */
  Type.Literal('failed'),
  Type.Literal('timeout'),
]);
export type ProbeStatus = Static<typeof ProbeStatus>;

export const ProbeError = Type.Object(
  { code: Type.String({ maxLength: 128 }), message: Type.String({ maxLength: 4096 }) },
  { additionalProperties: false },
);
export type ProbeError = Static<typeof ProbeError>;

/** One run of one probe. `report` is the probe's typed view; samples and states are derived from it. */
export const Observation = Type.Object(
  {
    probe: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' }),
    /** ms since the epoch, when the probe finished */
    at: Type.Integer({ minimum: 0 }),
    durationMs: Type.Number({ minimum: 0 }),
    status: ProbeStatus,
    error: Type.Optional(ProbeError),
    report: Type.Optional(Type.Unknown()),
    samples: Type.Array(Sample, { maxItems: 100_000 }),
    states: Type.Array(ObjectState, { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);
export type Observation = Static<typeof Observation>;

export const PushBatch = Type.Object(
  {
    protocol: Type.Literal(PROTOCOL_VERSION),
    cluster: Name,
    node: Name,
    /** Random id of this agent's outbox; with `seq` it makes every batch unique, so a replay is stored once. */
    agentInstance: Type.String({ pattern: '^[0-9a-f-]{8,64}$' }),
    agentVersion: Type.String({ maxLength: 64 }),
    /** Strictly increasing per agentInstance; never reused. */
    seq: Type.Integer({ minimum: 1 }),
    /** ms since the epoch when the batch was sealed */
    sealedAt: Type.Integer({ minimum: 0 }),
    /** The agent's push interval, so the collector can tell a silent agent from a slow one. */
    intervalMs: Type.Integer({ minimum: 1 }),
    observations: Type.Array(Observation, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type PushBatch = Static<typeof PushBatch>;

export const PushAck = Type.Object({
  seq: Type.Integer(),
  /** true when this batch had been stored before (a replay after a lost acknowledgement) */
  duplicate: Type.Boolean(),
  stored: Type.Object({ observations: Type.Integer(), samples: Type.Integer(), transitions: Type.Integer() }),
});
export type PushAck = Static<typeof PushAck>;

/** Reports the collector understands, by probe name; reports of probes it does not know are stored as they are. */
export const KnownReports = {
  pacemaker: PacemakerReport,
  vrrp: VrrpReport,
  corosync: CorosyncReport,
  heartbeat: HeartbeatReport,
  drbd: DrbdReport,
  iscsi: IscsiReport,
  fencing: FencingReport,
  sla: SlaReport,
} as const;

export { PacemakerReport, VrrpReport, CorosyncReport, HeartbeatReport, DrbdReport, IscsiReport, FencingReport, SlaReport };
