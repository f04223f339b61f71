// The fencing probe's public surface: the probe factory, its options schema and the parsers `hawatch parse` can run.
import type { ParseSource } from '../types.js';
import { parseSbdDump, parseSbdList, parseStonithHistory } from './parse.js';

export { createFencingProbe, fencingProbeOptions, FencingProbeOptions, FencingOptionsError, sbdDumpArgv, sbdListArgv, STONITH_HISTORY_ARGV } from './probe.js';
export { FENCING_METRICS, fencingSamples, fencingStates } from './observe.js';
export { FENCING_PARSE_ERRORS, parseSbdDump, parseSbdList, parseStonithHistory } from './parse.js';

export const FENCING_PARSE_SOURCES: Record<string, ParseSource> = {
  'sbd-dump': { description: 'sbd -d DEV [-d DEV ...] dump (sbd 1.5): header, slots, timeouts per device', parse: parseSbdDump },
  'sbd-list': { description: 'sbd -d DEV list (sbd 1.5): slot, node, message, source', parse: parseSbdList },
  'stonith-history': { description: "stonith_admin --history '*' --output-as=xml [--verbose] (Pacemaker 2.1+), or crm_mon XML's fence_history", parse: parseStonithHistory },
};
