// The iscsi probe's public surface: the probe factory, its options schema and the parsers `hawatch parse` can run.
import type { ParseSource } from '../types.js';
import { parseIscsiadmNode, parseIscsiadmSession, parseIscsiSysfs } from './parse.js';

export { createIscsiProbe, iscsiProbeOptions, IscsiProbeOptions, IscsiOptionsError, ISCSIADM_NODE_ARGV, ISCSIADM_SESSION_ARGV } from './probe.js';
export { ISCSI_METRICS, iscsiSamples, iscsiStates } from './observe.js';
export { ISCSI_PARSE_ERRORS, parseIscsiadmNode, parseIscsiadmSession, parseIscsiSysfs } from './parse.js';

export const ISCSI_PARSE_SOURCES: Record<string, ParseSource> = {
  'iscsiadm-session': { description: 'iscsiadm -m session [-P 0|1|2|3] (open-iscsi), or its "No active sessions." message', parse: parseIscsiadmSession },
  'iscsiadm-node': { description: 'iscsiadm -m node [-P 1] (open-iscsi), or its "No records found" message', parse: parseIscsiadmNode },
  'iscsi-sysfs': { description: 'grep -H . /sys/class/iscsi_session/session*/{targetname,state}', parse: parseIscsiSysfs },
};
