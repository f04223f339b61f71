// The heartbeat probe's public surface: the probe, the pure pieces and the parser that `hawatch parse SOURCE`
// can run on a captured output.
import type { ParseSource } from '../types.js';
import { parseClStatus } from './report.js';

export {
  heartbeatProbe,
  HEARTBEAT_PROBE_ERRORS,
  HBSTATUS_ARGV,
  UNAME_ARGV,
  RSCSTATUS_ARGV,
  KEEPALIVE_ARGV,
  DEADTIME_ARGV,
  LISTNODES_ARGV,
} from './probe.js';
export { buildHeartbeatReport, parseClStatus } from './report.js';
export { heartbeatSamples, heartbeatStates, HEARTBEAT_METRICS } from './observe.js';
export {
  HEARTBEAT_PARSE_ERRORS,
  parseHbstatus,
  parseListnodes,
  parseNodestatus,
  parseNodetype,
  parseListhblinks,
  parseHblinkstatus,
  parseRscstatus,
  parseHbparameterSeconds,
  parseTranscript,
  type ClStatusRun,
} from './parse.js';

export const HEARTBEAT_PARSE_SOURCES: Readonly<Record<string, ParseSource>> = {
  cl_status: {
    description:
      'Heartbeat 3 cl_status: `hbstatus -v` or `listnodes -v` output, or a transcript of runs each after a "$ cl_status ..." line (hbstatus, listnodes, nodestatus, nodetype, listhblinks, hblinkstatus, rscstatus, hbparameter, uname -n)',
    parse: parseClStatus,
  },
};
