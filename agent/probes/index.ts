// Every probe the agent knows, by name (= folder = config key = metric subsystem), and the parsers
// that `hawatch parse SOURCE` can run on a captured output.
import type { ParseResult } from '../lib/errors.js';
import type { Probe } from './types.js';
import { pacemakerProbe } from './pacemaker/probe.js';
import { parseCrmMonXml } from './pacemaker/parse.js';

export const PROBES: Readonly<Record<string, Probe>> = {
  pacemaker: pacemakerProbe as Probe,
};

export interface ParseSource {
  description: string;
  parse: (text: string) => ParseResult<unknown>;
}

export const PARSE_SOURCES: Readonly<Record<string, ParseSource>> = {
  'crm_mon-xml': {
    description: 'crm_mon --output-as=xml --include=all (Pacemaker 2.1+/3.x), or legacy crm_mon --as-xml (1.1)',
    parse: parseCrmMonXml,
  },
};
