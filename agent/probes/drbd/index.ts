// The drbd probe's public surface: the probe factory, its options schema and the parsers `hawatch parse` can run.
import type { ParseSource } from '../types.js';
import { parseDrbdEvents2, parseDrbdStatusJson, parseProcDrbd } from './parse.js';

export { createDrbdProbe, drbdProbeOptions, DrbdProbeOptions, DrbdOptionsError, DRBDSETUP_STATUS_ARGV, DRBDSETUP_EVENTS_ARGV } from './probe.js';
export { DRBD_METRICS, drbdSamples, drbdStates } from './observe.js';
export { parseDrbdEvents2, parseDrbdStatusJson, parseEvents2Line, parseProcDrbd, DRBD_PARSE_ERRORS } from './parse.js';

export const DRBD_PARSE_SOURCES: Record<string, ParseSource> = {
  'drbd-status-json': { description: 'drbdsetup status --json (DRBD 9)', parse: parseDrbdStatusJson },
  'drbd-events2': { description: 'drbdsetup events2 [--now] [--statistics] [--timestamps] (DRBD 9): the state its lines build up, and helper calls', parse: parseDrbdEvents2 },
  'proc-drbd': { description: '/proc/drbd (DRBD 8.0, 8.3, 8.4; DRBD 9 prints only its version)', parse: parseProcDrbd },
};
