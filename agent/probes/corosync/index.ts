// The corosync probe's public surface: the factory, its options, the pure pieces and the parsers that
// `hawatch parse SOURCE` can run on a captured output.
import type { ParseSource } from '../types.js';
import { parseCfgtool, parseCmapctl, parseQuorumtool } from './parse.js';

export {
  createCorosyncProbe,
  corosyncProbeOptions,
  CorosyncProbeOptions,
  CorosyncOptionsError,
  COROSYNC_PROBE_ERRORS,
  QUORUMTOOL_ARGV,
  CFGTOOL_ARGV,
  CMAP_MEMBERS_ARGV,
  CMAP_VOTEQUORUM_ARGV,
  CMAP_NODELIST_ARGV,
} from './probe.js';
export { assembleCorosyncReport, type CorosyncReads } from './report.js';
export { corosyncSamples, corosyncStates, COROSYNC_METRICS } from './observe.js';
export { COROSYNC_PARSE_ERRORS, parseCfgtool, parseCmapctl, parseQuorumtool, unreachableMessage } from './parse.js';

export const COROSYNC_PARSE_SOURCES: Readonly<Record<string, ParseSource>> = {
  'corosync-quorumtool': {
    description:
      'corosync-quorumtool -s or -l (also -p, -i, -H): quorum, votes, flags, ring id, membership with votes and Qdevice column (corosync 2.x and 3.x)',
    parse: parseQuorumtool,
  },
  'corosync-cfgtool': {
    description: 'corosync-cfgtool -s (3.x knet links per node, 3.0 and 2.x RING ID formats with FAULTY rings, brief -b) or -n (3.1+ per-node links)',
    parse: parseCfgtool,
  },
  'corosync-cmapctl': {
    description: 'corosync-cmapctl [-b] [prefix ...]: runtime.members (ids, addresses, joined/left, join counts), runtime.votequorum, nodelist',
    parse: parseCmapctl,
  },
};
