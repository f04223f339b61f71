// A node's VRRP view at scenario time t, from what keepalived (notify FIFO, JSON dump) and `ip -j addr` printed
// up to then in a recording. One place for tests, benchmarks and replays that need a vrrp report from a timeline.
import { vrrpReportFrom } from '../agent/probes/vrrp/index.js';
import type { VrrpReport } from '../agent/protocol/vrrp.js';
import { fifoLinesBetween, jsonDumpAt, sampleAt, type Timeline } from './timeline.js';

export const IP_ADDR_ARGV = ['ip', '-j', 'addr', 'show'] as const;

/** `originMs` shifts the recording's times (t_ms) onto a wall clock, e.g. the scenario's event time. */
export const vrrpReportAt = (timeline: Timeline, node: string, t: number, originMs = 0): VrrpReport => {
  const dump = jsonDumpAt(timeline, node, t);
  return vrrpReportFrom({
    fifoLines: fifoLinesBetween(timeline, node, -Infinity, t).map((l) => ({ line: l.line, atMs: originMs + l.tMs })),
    ipAddrJson: sampleAt(timeline, node, IP_ADDR_ARGV, t)?.stdout ?? null,
    jsonDump: dump ? { text: dump.text, atMs: originMs + dump.tMs } : null,
  });
};
