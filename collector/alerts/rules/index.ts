// Every rule the collector evaluates, in one list.
import type { Rule } from './types.js';
import { PACEMAKER_RULES } from './pacemaker.js';
import { AGENT_RULES } from './agents.js';

export const RULES: readonly Rule[] = [...PACEMAKER_RULES, ...AGENT_RULES];
export type { Rule };
