// The sla probe: this node's own MTBF/MTTR/availability figures, over rolling windows, per object its probes
// report. It runs no tool: it reads the agent's local state history (history.ts) and computes with the same pure
// SLA maths the collector uses (collector/sla), so a node's figures and the cluster's are computed alike.
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { availabilityFromTransitions } from '../../../collector/sla/compute.js';
import { slaPolicy } from '../../../collector/sla/policy.js';
import type { SlaObject, SlaReport } from '../../protocol/sla.js';
import type { Probe, ProbeContext, ProbeOutcome } from '../types.js';
import type { LocalStateHistory } from './history.js';
import { slaSamples } from './observe.js';

/** The probe's options (config block `probes.sla`); defaults in the schema. */
export const SlaProbeOptions = Type.Object(
  {
    /** Rolling windows, in seconds (default: one day and thirty days). */
    windowsSeconds: Type.Array(Type.Integer({ minimum: 1, maximum: 366 * 86_400 }), { minItems: 1, maxItems: 8, default: [86_400, 30 * 86_400] }),
    /** Down spells shorter than this are not incidents (a failover's blip). */
    debounceSeconds: Type.Number({ minimum: 0, maximum: 3_600, default: 0 }),
    /** Degraded counts as up (the service still runs) unless told otherwise. */
    degradedAs: Type.Union([Type.Literal('up'), Type.Literal('down')], { default: 'up' }),
    /** Object kinds to compute for; empty: every kind the other probes report. */
    kinds: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** At most this many objects per run (the largest clusters); the rest are left out, and said so in the log. */
    maxObjects: Type.Integer({ minimum: 1, maximum: 100_000, default: 5_000 }),
  },
  { additionalProperties: false, default: {} },
);
export type SlaProbeOptions = Static<typeof SlaProbeOptions>;

export class SlaOptionsError extends Error {
  override readonly name = 'SlaOptionsError';
  readonly code = 'sla.bad_options';
}

export const slaProbeOptions = (raw: unknown = {}): SlaProbeOptions => {
  const v = Value.Default(SlaProbeOptions, Value.Clone(raw ?? {}));
  if (!Value.Check(SlaProbeOptions, v)) {
    const problems = [...Value.Errors(SlaProbeOptions, v)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new SlaOptionsError(`invalid sla probe options: ${problems.join('; ')}`);
  }
  return v as SlaProbeOptions;
};

/** Pure: the figures of every object in `history` over each window ending at `nowMs`. */
export const computeLocalSla = (history: LocalStateHistory, o: SlaProbeOptions, nowMs: number): SlaReport => {
  // Unknown (the agent was not watching, or the state was unknown) is neither up nor down: it is excluded.
  const policy = slaPolicy({ unknown: 'excluded', degraded: o.degradedAs, debounceMs: o.debounceSeconds * 1000 });
  const kinds = new Set(o.kinds);
  const objects: SlaObject[] = [];
  for (const { kind, id } of history.objects()) {
    if (kinds.size > 0 && !kinds.has(kind)) continue;
    if (objects.length >= o.maxObjects) break;
    const windows = o.windowsSeconds.map((seconds) => {
      const window = { fromMs: nowMs - seconds * 1000, toMs: nowMs };
      const r = availabilityFromTransitions(history.transitions(kind, id, window.fromMs, nowMs), policy, window, nowMs);
      return {
        seconds,
        availabilityRatio: r.availabilityRatio,
        downtimeSeconds: r.countedDownMs / 1000,
        unknownSeconds: r.unknownMs / 1000,
        incidents: r.incidents,
        mtbfSeconds: r.mtbfMs === null ? null : r.mtbfMs / 1000,
        mttrSeconds: r.mttrMs === null ? null : r.mttrMs / 1000,
      };
    });
    objects.push({ kind, id, availability: history.latest(kind, id) ?? 'unknown', windows });
  }
  return { historySince: history.since(), objects };
};

export const createSlaProbe = (options: unknown, history: LocalStateHistory | null): Probe<SlaReport> => {
  const o = slaProbeOptions(options);
  const longest = Math.max(...o.windowsSeconds) * 1000;
  return {
    name: 'sla',
    async run(ctx: ProbeContext): Promise<ProbeOutcome<SlaReport>> {
      if (history === null) {
        return { status: 'absent', error: { code: 'sla.no_history', message: 'the agent keeps no local state history (no data dir)' }, samples: [], states: [] };
      }
      const now = ctx.now();
      try {
        history.prune(now - longest);
        const report = computeLocalSla(history, o, now);
        return { status: 'ok', report, samples: slaSamples(report), states: [] };
      } catch (e) {
        return { status: 'failed', error: { code: 'sla.history', message: (e as Error).message.slice(0, 4096) }, samples: [], states: [] };
      }
    },
  };
};
