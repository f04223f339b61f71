// The SNMP face of the collector: what main.ts and the alerting code import.
export { startSnmpAgent, type RunningSnmpAgent, type SnmpAgentOptions, type SnmpV3User } from './agent.js';
export { checkTrapTarget, sendNotification, type NotificationName, type NotificationValues, type NotifyOptions, type NotifyResult, type TrapTarget } from './notify.js';
export { bundledMibDir, loadHawatchMib, type HawatchMib } from './mib.js';
export { SNMP_ERRORS, SnmpError } from './errors.js';
export { createSnmpTrapNotifier, notificationsFor, type SnmpAgentFace, type SnmpTrapNotifierOptions } from './trap-notifier.js';
