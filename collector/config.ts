// The collector's configuration: one schema per block, defaults in the schemas.
import Type, { type Static } from 'typebox';
import { DeliveryConfig, NotifiersConfig } from './alerts/notify/config.js';
import { AlertingConfig } from './alerts/grouping.js';
import { SlasConfig } from './sla/policy-config.js';
import { SlaReportConfig } from './report/schedule.js';

const HostPort = Type.String({ pattern: '^(\\[[0-9a-fA-F:]+\\]|[^:\\s]+):[0-9]{1,5}$', description: 'HOST:PORT' });

export const TokenConfig = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'who holds it, for logs' }),
    /** agent: may push; read: may read the API and metrics; admin: may also change things. */
    role: Type.Union([Type.Literal('agent'), Type.Literal('read'), Type.Literal('admin')]),
    token: Type.Optional(Type.String({ minLength: 16 })),
    tokenFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const HttpConfig = Type.Object(
  {
    listen: Type.String({ ...HostPort, default: '127.0.0.1:9470' }),
    /** A push bigger than this is refused with 413; agents split batches well below it. */
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024 }),
  },
  { additionalProperties: false, default: {} },
);

const EngineId = Type.String({ pattern: '^(0x)?([0-9a-fA-F]{2}){5,32}$' });

export const SnmpUser = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 32 }),
    authProtocol: Type.Union([Type.Literal('sha'), Type.Literal('sha256')], { default: 'sha256' }),
    authKey: Type.Optional(Type.String({ minLength: 8 })),
    authKeyFile: Type.Optional(Type.String({ minLength: 1 })),
    privProtocol: Type.Literal('aes', { default: 'aes' }),
    privKey: Type.Optional(Type.String({ minLength: 8 })),
    privKeyFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const SnmpConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** net-snmp turns port 0 into 161, so a real port is needed. */
    listen: Type.String({ ...HostPort, default: '127.0.0.1:1161' }),
    /** v2c communities (read-only). */
    communities: Type.Array(
      Type.Object({ community: Type.Optional(Type.String({ minLength: 1 })), communityFile: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
      { default: [] },
    ),
    /** v3 USM users, authPriv (SHA/SHA-256 + AES). */
    v3Users: Type.Array(SnmpUser, { default: [] }),
    /** Keeps the v3 engine's identity across restarts. */
    engineId: Type.Optional(EngineId),
    mibDir: Type.Optional(Type.String({ minLength: 1 })),
    sysContact: Type.String({ default: '' }),
    sysLocation: Type.String({ default: '' }),
    /** A new walk reuses the newest model snapshot while it is younger than this. */
    viewReuseMs: Type.Integer({ minimum: 0, default: 2000 }),
  },
  { additionalProperties: false, default: {} },
);

export const AuthConfig = Type.Object(
  {
    /** Let anyone read the API and metrics (the demo does this); pushes always need a token. */
    openReads: Type.Boolean({ default: false }),
    tokens: Type.Array(TokenConfig, { default: [] }),
  },
  { additionalProperties: false, default: {} },
);

export const IngestConfig = Type.Object(
  {
    /**
     * Pushes arriving within this window share one SQLite transaction. Short on purpose: every push in a group
     * waits for it, and concurrent agents send their next push only after the answer (bench/ingest: 1 ms beat 4 ms).
     */
    groupCommitMs: Type.Number({ minimum: 0, maximum: 1000, default: 1 }),
    groupCommitMaxSamples: Type.Integer({ minimum: 1, default: 50_000 }),
  },
  { additionalProperties: false, default: {} },
);

export const AgentsConfig = Type.Object(
  {
    /** An agent silent for more than this many push intervals is stale: its data becomes unknown. */
    staleAfterIntervals: Type.Number({ minimum: 1, default: 3 }),
  },
  { additionalProperties: false, default: {} },
);

export const CollectorConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: '/var/lib/hawatch' }),
    http: HttpConfig,
    snmp: SnmpConfig,
    auth: AuthConfig,
    ingest: IngestConfig,
    agents: AgentsConfig,
    /** Where alerts go: Alertmanager, webhooks, PagerDuty (see collector/alerts/notify/README.md). */
    notifiers: NotifiersConfig,
    delivery: DeliveryConfig,
    /** Noise control: grouping, repeat, inhibition, late evidence (collector/alerts/README.md). */
    alerting: AlertingConfig,
    /** SLA policies (collector/sla/policy-config.ts); none: services, nodes and clusters at 99.9 %. */
    slas: SlasConfig,
    /** The monthly SLA report into <dataDir>/reports/ (collector/report/schedule.ts). */
    slaReport: SlaReportConfig,
  },
  { additionalProperties: false },
);
export type CollectorConfig = Static<typeof CollectorConfig>;

export const parseHostPort = (s: string): { host: string; port: number } => {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i).replace(/^\[|\]$/g, '');
  return { host, port: Number(s.slice(i + 1)) };
};
