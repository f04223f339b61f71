// The agent's configuration: one schema per block, defaults in the schemas.
import Type, { type Static } from 'typebox';
import { hostname } from 'node:os';
import { PROBES, type ProbeDescriptor } from './probes/index.js';

const Name = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9._:@-]+$' });

/** The keys every probe has; a probe's own options sit next to them in the same block. */
const probeCommon = (d: Pick<ProbeDescriptor, 'intervalSeconds' | 'timeoutSeconds'>) => ({
  enabled: Type.Boolean({ default: true }),
  intervalSeconds: Type.Number({ minimum: 0.1, maximum: 86_400, default: d.intervalSeconds }),
  /** Per run; a tool that takes longer is killed with its process group. */
  timeoutSeconds: Type.Number({ minimum: 0.1, maximum: 3_600, default: d.timeoutSeconds }),
});
export const PROBE_COMMON_KEYS = ['enabled', 'intervalSeconds', 'timeoutSeconds'] as const;

export const ProbeConfig = Type.Object(probeCommon({ intervalSeconds: 10, timeoutSeconds: 8 }), { additionalProperties: false, default: {} });
export type ProbeConfig = Static<typeof ProbeConfig>;

const probeBlock = (d: ProbeDescriptor) =>
  Type.Object({ ...probeCommon(d), ...(d.options?.properties ?? {}) }, { additionalProperties: false, default: {} });

export const CollectorTarget = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:9470' }),
    token: Type.Optional(Type.String({ minLength: 16 })),
    tokenFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Unchanged observations are pushed this often; a change is pushed at once. */
    pushIntervalSeconds: Type.Number({ minimum: 0.1, maximum: 3_600, default: 30 }),
    requestTimeoutSeconds: Type.Number({ minimum: 0.5, maximum: 300, default: 10 }),
    maxObservationsPerBatch: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
    backoffInitialSeconds: Type.Number({ minimum: 0.01, default: 1 }),
    backoffMaxSeconds: Type.Number({ minimum: 0.1, default: 60 }),
    /** Sealed batches kept while the collector is away; beyond this the oldest are dropped, loudly. */
    outboxMaxBatches: Type.Integer({ minimum: 10, default: 50_000 }),
  },
  { additionalProperties: false, default: {} },
);

// One block per probe, built from the probe registry so that a new probe is configurable the moment it exists.
export const ProbesConfig = Type.Object(
  Object.fromEntries(Object.entries(PROBES).map(([name, d]) => [name, probeBlock(d)])),
  { additionalProperties: false, default: {} },
);

export const AgentConfig = Type.Object(
  {
    cluster: Name,
    node: Type.String({ ...Name, default: hostname().split('.')[0] ?? 'localhost' }),
    dataDir: Type.String({ minLength: 1, default: '/var/lib/hawatch-agent' }),
    collector: CollectorTarget,
    probes: ProbesConfig,
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfig>;
