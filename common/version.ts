// hawatch's version, shared by agent and collector (pushes carry it; SNMP and REST show it).
export const AGENT_VERSION = '0.1.0';
