// What the sla probe reports: this node's own availability figures per object it observes (its resources, VIPs,
// quorum, sessions ...), over rolling windows, from the states this node's probes reported and the agent kept.
// The cluster-wide figures (a service is up when it runs somewhere) are the collector's; these are one node's view.
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const SlaWindowFigures = Type.Object({
  /** The rolling window: the last `seconds` up to the run. */
  seconds: Type.Integer({ minimum: 1 }),
  /** Up / (up + down) of the counted time; unknown (agent down, no observation) is excluded; null: nothing counted. */
  availabilityRatio: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  downtimeSeconds: Type.Number({ minimum: 0 }),
  unknownSeconds: Type.Number({ minimum: 0 }),
  incidents: Type.Integer({ minimum: 0 }),
  mtbfSeconds: Nullable(Type.Number({ minimum: 0 })),
  mttrSeconds: Nullable(Type.Number({ minimum: 0 })),
});
export type SlaWindowFigures = Static<typeof SlaWindowFigures>;

export const SlaObject = Type.Object({
  kind: Type.String({ minLength: 1 }),
  id: Type.String({ minLength: 1 }),
  /** The last availability class this node saw for it. */
  availability: Type.String(),
  windows: Type.Array(SlaWindowFigures),
});
export type SlaObject = Static<typeof SlaObject>;

export const SlaReport = Type.Object({
  /** When this agent's history starts (older figures are unknown). */
  historySince: Nullable(Type.Number()),
  objects: Type.Array(SlaObject, { maxItems: 100_000 }),
});
export type SlaReport = Static<typeof SlaReport>;
