// Every probe the agent knows, by name (= folder = config key = metric subsystem), and the parsers
// that `hawatch parse SOURCE` can run on a captured output.
import type { ParseSource, Probe } from './types.js';
import { pacemakerProbe } from './pacemaker/probe.js';
import { parseCrmMonXml } from './pacemaker/parse.js';

export const PROBES: Readonly<Record<string, Probe>> = {
  pacemaker: pacemakerProbe as Probe,
};

export const PARSE_SOURCES: Readonly<Record<string, ParseSource>> = {
  'crm_mon-xml': {
    description: 'crm_mon --output-as=xml --include=all (Pacemaker 2.1+/3.x), or legacy crm_mon --as-xml (1.1)',
    parse: parseCrmMonXml,
  },
};
