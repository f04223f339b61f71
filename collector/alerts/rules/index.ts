// Every rule the collector evaluates, in one list.
import type { Rule } from './types.js';
import { PACEMAKER_RULES } from './pacemaker.js';
import { AGENT_RULES } from './agents.js';
import { VRRP_RULES } from './vrrp.js';
import { COROSYNC_RULES } from './corosync.js';
import { DRBD_RULES } from './drbd.js';
import { ISCSI_RULES } from './iscsi.js';

export const RULES: readonly Rule[] = [...PACEMAKER_RULES, ...COROSYNC_RULES, ...VRRP_RULES, ...DRBD_RULES, ...ISCSI_RULES, ...AGENT_RULES];
export type { Rule };
