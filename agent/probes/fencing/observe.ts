// Pure mapping of a fencing report to samples and per-object states: `sbd_device`, `sbd_slot` per device+node,
// `fence_target` per fencing target. Sorted, deterministic output.
import type { ObjectState, Sample } from '../../protocol/index.js';
import type { FenceEvent, FencingReport, SbdSlot } from '../../protocol/fencing.js';
import { bool01 as b, oneHot, sampleSet, stateSet, type Availability, type MetricDef } from '../metrics.js';

export type { MetricDef };

const P = 'hawatch_fencing_';
const D = ['device'];

/** Every metric this module can emit. The probe's README table is held against this list by a test. */
export const FENCING_METRICS: readonly MetricDef[] = [
  { name: `${P}sbd_device_readable`, labels: D, help: 'sbd could read the device header' },
  { name: `${P}sbd_watchdog_timeout_seconds`, labels: D, help: 'watchdog timeout in the SBD header' },
  { name: `${P}sbd_allocate_timeout_seconds`, labels: D, help: 'allocate timeout in the SBD header' },
  { name: `${P}sbd_loop_timeout_seconds`, labels: D, help: 'loop timeout in the SBD header' },
  { name: `${P}sbd_msgwait_timeout_seconds`, labels: D, help: 'msgwait timeout in the SBD header (a fence takes this long)' },
  { name: `${P}sbd_slots`, labels: D, help: 'slots in the SBD header' },
  { name: `${P}sbd_slots_allocated`, labels: D, help: 'slots allocated to nodes' },
  { name: `${P}sbd_slot_message`, labels: [...D, 'sbd_node', 'message'], help: 'one-hot message in the node slot: clear, test, reset, off, exit, crashdump' },
  { name: `${P}stonith_connected`, labels: [], help: 'stonith_admin reached the fencer' },
  { name: `${P}fence_events`, labels: ['status'], help: 'fencing history entries by status: success, failed, pending' },
  { name: `${P}fence_target_last_status`, labels: ['target', 'status'], help: 'one-hot status of the latest fencing of the target' },
  { name: `${P}fence_target_last_completed_timestamp_seconds`, labels: ['target'], help: 'when the latest completed fencing of the target finished (Unix time)' },
];

export const SBD_MESSAGES = ['clear', 'test', 'reset', 'off', 'exit', 'crashdump'] as const;
export const FENCE_STATUSES = ['success', 'failed', 'pending'] as const;

/**
 * An SBD slot: `clear` (no message) and `test` (a harmless test message) up; `reset`, `off`, `crashdump` down (a fence
 * message waits in the slot: the node is being or was fenced and nobody cleared it); `exit` degraded (the node's sbd
 * was told to stop, so it no longer guards the node); anything else unknown.
 */
export const slotAvailability = (s: SbdSlot): Availability => {
  switch (s.message) {
    case 'clear':
    case 'test':
      return 'up';
    case 'reset':
    case 'off':
    case 'crashdump':
      return 'down';
    case 'exit':
      return 'degraded';
    default:
      return 'unknown';
  }
};

/** The latest event for a target: a pending one if any (Pacemaker lists those first), else the last completed. */
export const latestEvent = (events: readonly FenceEvent[]): FenceEvent | undefined => {
  const pending = events.find((e) => e.status === 'pending');
  if (pending) return pending;
  let best: FenceEvent | undefined;
  for (const e of events) {
    // ISO strings of one format compare in time order; history is newest first, so ties keep the first
    if (best === undefined || (e.completed ?? '') > (best.completed ?? '')) best = e;
  }
  return best;
};

/** Whether fencing the target works, by its latest event: success up, pending degraded, failed down. */
export const fenceTargetState = (latest: FenceEvent): { state: string; availability: Availability } => ({
  state: `${latest.action}:${latest.status}`,
  availability: latest.status === 'success' ? 'up' : latest.status === 'pending' ? 'degraded' : 'down',
});

const epochSeconds = (iso: string | null): number | null => {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : null;
};

const byTarget = (events: readonly FenceEvent[]): Map<string, FenceEvent[]> => {
  const m = new Map<string, FenceEvent[]>();
  for (const e of events) m.set(e.target, [...(m.get(e.target) ?? []), e]);
  return m;
};

export const fencingSamples = (r: FencingReport): Sample[] => {
  const { add, samples } = sampleSet(P);
  for (const d of r.sbd) {
    const l = { device: d.device };
    add('sbd_device_readable', b(d.header !== null), l);
    if (d.header) {
      add('sbd_watchdog_timeout_seconds', d.header.watchdogTimeoutSeconds, l);
      add('sbd_allocate_timeout_seconds', d.header.allocateTimeoutSeconds, l);
      add('sbd_loop_timeout_seconds', d.header.loopTimeoutSeconds, l);
      add('sbd_msgwait_timeout_seconds', d.header.msgwaitTimeoutSeconds, l);
      add('sbd_slots', d.header.slots, l);
    }
    if (d.slots) {
      add('sbd_slots_allocated', d.slots.length, l);
      for (const s of d.slots) oneHot(add, 'sbd_slot_message', SBD_MESSAGES, s.message, { ...l, sbd_node: s.node }, 'message');
    }
  }
  if (r.stonith) {
    add('stonith_connected', b(r.stonith.connected));
    if (r.stonith.connected) {
      for (const st of FENCE_STATUSES) add('fence_events', r.stonith.events.filter((e) => e.status === st).length, { status: st });
      for (const [target, events] of byTarget(r.stonith.events)) {
        const latest = latestEvent(events)!;
        oneHot(add, 'fence_target_last_status', FENCE_STATUSES, latest.status, { target }, 'status');
        const done = latestEvent(events.filter((e) => e.status !== 'pending'));
        add('fence_target_last_completed_timestamp_seconds', epochSeconds(done?.completed ?? null), { target });
      }
    }
  }
  return samples();
};

export const fencingStates = (r: FencingReport): ObjectState[] => {
  const { put, states } = stateSet();
  for (const d of r.sbd) {
    const unreadable = d.header === null || d.slots === null;
    const absent = d.error?.code === 'fencing.sbd_absent';
    put({
      kind: 'sbd_device',
      id: d.device,
      state: absent ? 'sbd-not-installed' : unreadable ? 'unreadable' : 'ok',
      availability: absent ? 'unknown' : unreadable ? 'down' : 'up',
    });
    for (const s of d.slots ?? []) put({ kind: 'sbd_slot', id: `${d.device}:${s.node}`.slice(0, 512), state: s.message, availability: slotAvailability(s) });
  }
  if (r.stonith?.connected) {
    for (const [target, events] of byTarget(r.stonith.events)) put({ kind: 'fence_target', id: target, ...fenceTargetState(latestEvent(events)!) });
  }
  return states();
};
