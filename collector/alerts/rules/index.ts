// Every rule the collector evaluates, in one list.
import type { Rule } from './types.js';
import { PACEMAKER_RULES } from './pacemaker.js';
import { AGENT_RULES } from './agents.js';
import { VRRP_RULES } from './vrrp.js';

export const RULES: readonly Rule[] = [...PACEMAKER_RULES, ...VRRP_RULES, ...AGENT_RULES];
export type { Rule };
