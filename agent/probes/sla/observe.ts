// Pure mapping of an sla report to samples: one series per object, window and figure. No states: the figures are
// derived from the other probes' states, not an object of their own.
import type { Sample } from '../../protocol/index.js';
import type { SlaReport } from '../../protocol/sla.js';
import { sampleSet, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_sla_local_';
const L = ['kind', 'object', 'window'];

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const SLA_LOCAL_METRICS: readonly MetricDef[] = [
  { name: `${P}availability_ratio`, labels: L, help: "this node's view: up / (up + down) over the window, unknown time excluded" },
  { name: `${P}downtime_seconds`, labels: L, help: 'time the object was down over the window, as this node saw it' },
  { name: `${P}unknown_seconds`, labels: L, help: 'time over the window nobody on this node watched (agent down) or the state was unknown' },
  { name: `${P}incidents`, labels: L, help: 'down spells that started or lasted in the window' },
  { name: `${P}mtbf_seconds`, labels: L, help: 'mean time between failures over the window (up time / incidents)' },
  { name: `${P}mttr_seconds`, labels: L, help: 'mean time to repair over the window (down time / incidents)' },
];

/** `86400` → `1d`, `3600` → `1h`, else seconds with `s`: the window label. */
export const windowLabel = (seconds: number): string =>
  seconds % 86_400 === 0 ? `${seconds / 86_400}d` : seconds % 3_600 === 0 ? `${seconds / 3_600}h` : `${seconds}s`;

export const slaSamples = (r: SlaReport): Sample[] => {
  const set = sampleSet(P);
  for (const o of r.objects) {
    for (const w of o.windows) {
      const l = { kind: o.kind, object: o.id, window: windowLabel(w.seconds) };
      set.add('availability_ratio', w.availabilityRatio, l);
      set.add('downtime_seconds', w.downtimeSeconds, l);
      set.add('unknown_seconds', w.unknownSeconds, l);
      set.add('incidents', w.incidents, l);
      set.add('mtbf_seconds', w.mtbfSeconds, l);
      set.add('mttr_seconds', w.mttrSeconds, l);
    }
  }
  return set.samples();
};
