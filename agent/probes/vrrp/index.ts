// The vrrp probe's public surface: the factory, its options, the pure report builder and the parsers that
// `hawatch parse SOURCE` can run on a captured output.
import type { ParseSource } from '../types.js';
import { parseIpAddrJson, parseKeepalivedConf, parseKeepalivedJson, parseKeepalivedText, parseNotifyFifo } from './parse.js';

export { createVrrpProbe, vrrpProbeOptions, VrrpProbeOptions, VrrpOptionsError, IP_ADDR_ARGV, VRRP_PROBE_ERRORS } from './probe.js';
export { vrrpReportFrom, buildVrrpReport, applyFifoLine, emptyFifoMemory, type VrrpRecordings, type FifoMemory } from './report.js';
export { vrrpSamples, vrrpStates, VRRP_METRICS } from './observe.js';
export { VRRP_PARSE_ERRORS } from './parse.js';

export const VRRP_PARSE_SOURCES: Readonly<Record<string, ParseSource>> = {
  'keepalived-fifo': {
    description: 'lines read from keepalived\'s vrrp_notify_fifo: INSTANCE "VI_1" MASTER 100 / GROUP "G1" BACKUP 0 (keepalived 2.x)',
    parse: parseNotifyFifo,
  },
  'keepalived-json': {
    description: 'keepalived\'s JSON dump, /tmp/keepalived.json after kill -s $(keepalived --signum=JSON) (array, or json_version 2 {"vrrp": [...]})',
    parse: parseKeepalivedJson,
  },
  'keepalived-data': {
    description: 'keepalived\'s text dumps: /tmp/keepalived.data (SIGUSR1, --signum=DATA) or /tmp/keepalived.stats (SIGUSR2, --signum=STATS)',
    parse: parseKeepalivedText,
  },
  'keepalived-conf': {
    description: 'keepalived.conf: vrrp_instance blocks (name, interface, virtual_router_id, priority, state, virtual_ipaddress), sync groups, notify FIFO paths',
    parse: (text) => parseKeepalivedConf(text, null),
  },
  'ip-addr-json': {
    description: 'ip -j addr show (iproute2 JSON): the addresses on this node\'s interfaces',
    parse: parseIpAddrJson,
  },
};
