// Every metric family /metrics exposes: name, type, help and labels in one table. The renderer, the README's
// metric table (held against this by a test) and the dashboards' and rules' tests all read it.
import type { FamilySpec } from './exposition.js';

const g = (name: string, labels: readonly string[], help: string): FamilySpec => Object.freeze({ name, type: 'gauge', help, labels: Object.freeze([...labels]) });

// Vocabularies of the one-hot gauges. A value outside the list still gets its own series (so it is visible),
// but these always exist, so a panel or rule matching state="X" has a 0 to read rather than nothing.
export const PROBE_STATES = ['ok', 'absent', 'failed', 'timeout'] as const;
/** Ordered from best to worst: the code gauge is the position (unknown = 0), so "worse" compares as "greater". */
export const NODE_STATES = ['unknown', 'online', 'standby', 'maintenance', 'shutdown', 'pending', 'offline', 'unclean'] as const;
export type NodeStateName = (typeof NODE_STATES)[number];
/** Best first: a resource's role over its instances is the first of these that any instance has. */
export const RESOURCE_ROLES = ['Promoted', 'Started', 'Unpromoted', 'Migrating', 'Starting', 'Stopping', 'Stopped', 'Unknown'] as const;
export type ResourceRole = (typeof RESOURCE_ROLES)[number];
/** Code = position: UNKNOWN 0, INIT 1, BACKUP 2, MASTER 3, FAULT 4, STOP 5, DELETED 6. */
export const VRRP_STATE_CODES = ['UNKNOWN', 'INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP', 'DELETED'] as const;
export const DRBD_ROLES = ['Primary', 'Secondary', 'Unknown'] as const;
export const DRBD_DISK_STATES = ['Diskless', 'Attaching', 'Detaching', 'Failed', 'Negotiating', 'Inconsistent', 'Outdated', 'DUnknown', 'Consistent', 'UpToDate'] as const;
export const DRBD_CONNECTION_STATES = [
  'StandAlone', 'Disconnecting', 'Unconnected', 'Timeout', 'BrokenPipe', 'NetworkFailure', 'ProtocolError', 'TearDown',
  'Connecting', 'Connected', 'WFConnection', 'WFReportParams',
] as const;
export const DRBD_REPLICATION_STATES = [
  'Off', 'Established', 'StartingSyncS', 'StartingSyncT', 'WFBitMapS', 'WFBitMapT', 'WFSyncUUID', 'SyncSource',
  'SyncTarget', 'VerifyS', 'VerifyT', 'PausedSyncS', 'PausedSyncT', 'Ahead', 'Behind',
] as const;
export const ISCSI_SESSION_STATES = ['LOGGED_IN', 'FAILED', 'FREE', 'UNKNOWN'] as const;
export const ISCSI_CONNECTION_STATES = ['FREE', 'TRANSPORT_WAIT', 'IN_LOGIN', 'LOGGED_IN', 'IN_LOGOUT', 'LOGOUT_REQUESTED', 'CLEANUP_WAIT'] as const;
export const FENCE_STATES = ['success', 'failed', 'pending'] as const;

const codes = (xs: readonly string[]) => xs.map((s, i) => `${i} ${s}`).join(', ');

/** Labels of the SLA families: kind is resource, vip, node or cluster; period is always "current" here. */
export const SLA_LABELS = ['cluster', 'sla', 'object', 'kind', 'period'] as const;

export const F = Object.freeze({
  // Agents and probes: a silent node or a missing tool is a series of its own, never a gap.
  clusterNodes: g('hawatch_cluster_nodes', ['cluster'], 'Nodes whose agents report to this collector, per cluster.'),
  agentUp: g('hawatch_agent_up', ['cluster', 'node'], "1 when the node's agent pushed within its staleness limit, 0 when it went silent (its data is then unknown)."),
  agentLastPush: g('hawatch_agent_last_push_timestamp_seconds', ['cluster', 'node'], "When the collector last stored a push from the node's agent."),
  agentInfo: g('hawatch_agent_info', ['cluster', 'node', 'version'], "Always 1: the version of the node's agent."),
  probeSuccess: g('hawatch_probe_success', ['cluster', 'node', 'probe'], "1 when the probe's last run on the node succeeded, 0 when its tool was absent, failed or timed out."),
  probeStatus: g('hawatch_probe_status', ['cluster', 'node', 'probe', 'state'], "One-hot outcome of the probe's last run on the node: ok, absent (tool not installed), failed, timeout."),
  probeDuration: g('hawatch_probe_duration_seconds', ['cluster', 'node', 'probe'], "How long the probe's last run on the node took."),
  probeLastRun: g('hawatch_probe_last_run_timestamp_seconds', ['cluster', 'node', 'probe'], "When the probe's last run on the node finished."),

  // The cluster as a whole, from the fresh reporters (as the alert rules see it).
  clusterQuorate: g('hawatch_cluster_quorate', ['cluster'], 'Some partition of the cluster has quorum (corosync or Pacemaker, fresh reporters); 0 when none has or the stack is down everywhere.'),
  votesExpected: g('hawatch_cluster_votes_expected', ['cluster'], "Expected votes (votequorum) as the largest partition's corosync reports them."),
  votesPresent: g('hawatch_cluster_votes_present', ['cluster'], 'Votes present in the largest partition, quorum device included (votequorum).'),
  votesQuorum: g('hawatch_cluster_votes_quorum', ['cluster'], 'Votes needed for quorum (votequorum).'),
  partitions: g('hawatch_cluster_partitions', ['cluster'], 'Partitions the fresh reporters are in (Pacemaker: one per DC seen, or per corosync ring); 0 when the stack runs nowhere.'),
  quoratePartitions: g('hawatch_cluster_quorate_partitions', ['cluster'], 'Partitions that have quorum; more than 1 is split brain.'),
  dcs: g('hawatch_cluster_dcs', ['cluster'], 'Distinct designated controllers the fresh Pacemaker reporters name.'),

  // Nodes (the members of the cluster, whether or not they run an agent).
  nodeState: g('hawatch_node_state', ['cluster', 'node', 'state'], `One-hot node state, the worst the preferred views show (quorate partitions' Pacemaker, else heartbeat): ${NODE_STATES.join(', ')}.`),
  nodeStateCode: g('hawatch_node_state_code', ['cluster', 'node'], `Node state as a number, higher is worse: ${codes(NODE_STATES)}.`),
  nodeQuorate: g('hawatch_node_quorate', ['cluster', 'node'], "The node's own partition has quorum, as its corosync (else its Pacemaker) says; 0 when its stack is down."),
  nodeIsDc: g('hawatch_node_is_dc', ['cluster', 'node'], 'Some fresh Pacemaker reporter names the node its designated controller.'),
  pacemakerRunning: g('hawatch_pacemaker_running', ['cluster', 'node'], 'crm_mon on the node reached the cluster (0: Pacemaker not running there).'),
  corosyncRunning: g('hawatch_corosync_running', ['cluster', 'node'], 'The corosync tools on the node reached corosync (0: not running there).'),
  heartbeatRunning: g('hawatch_heartbeat_running', ['cluster', 'node'], 'Heartbeat runs on the node (0: stopped there).'),

  // Pacemaker resources: roles from the quorate partitions' views, placement from every partition's view.
  resourceInfo: g('hawatch_pacemaker_resource_info', ['cluster', 'resource', 'agent', 'clone', 'group'], 'Always 1: the resource agent and the enclosing clone (or bundle) and group ("" when none).'),
  resourceRole: g('hawatch_pacemaker_resource_role', ['cluster', 'resource', 'state'], `One-hot role of the resource, the best of its instances: ${RESOURCE_ROLES.join(', ')}.`),
  resourceActive: g('hawatch_pacemaker_resource_active', ['cluster', 'resource', 'node'], 'Instances of the resource active on the node, in any partition (only nodes where > 0).'),
  resourceActiveNodes: g('hawatch_pacemaker_resource_active_nodes', ['cluster', 'resource'], 'Nodes the resource is active on, over all partitions (0: stopped; > 1 for a primitive: active twice).'),
  resourceFailed: g('hawatch_pacemaker_resource_failed', ['cluster', 'resource'], 'Some instance of the resource is failed.'),
  resourceBlocked: g('hawatch_pacemaker_resource_blocked', ['cluster', 'resource'], 'Some instance of the resource is blocked (a stop failed without fencing).'),
  resourceManaged: g('hawatch_pacemaker_resource_managed', ['cluster', 'resource'], 'Every instance of the resource is managed.'),
  resourceFailCount: g('hawatch_pacemaker_resource_failcount', ['cluster', 'resource', 'node'], 'Fail count of the resource on the node (INFINITY = 1000000).'),
  resourceFailedActions: g('hawatch_pacemaker_resource_failed_actions', ['cluster', 'resource', 'node'], 'Failed operations of the resource on the node that crm_mon lists (until crm_resource --cleanup).'),

  // VRRP: per node (each node's keepalived claim and its interfaces), and per router across the nodes.
  vrrpInstanceState: g('hawatch_vrrp_instance_state', ['cluster', 'node', 'vrrp_instance', 'vrid', 'state'], `One-hot VRRP instance state on the node: ${VRRP_STATE_CODES.join(', ')}.`),
  vrrpInstanceStateCode: g('hawatch_vrrp_instance_state_code', ['cluster', 'node', 'vrrp_instance', 'vrid'], `VRRP instance state on the node as a number: ${codes(VRRP_STATE_CODES)}.`),
  vrrpInstancePriority: g('hawatch_vrrp_instance_priority', ['cluster', 'node', 'vrrp_instance', 'vrid'], 'Priority of the instance on the node: after tracking weights when known, else as configured.'),
  vrrpVipPresent: g('hawatch_vrrp_vip_present', ['cluster', 'node', 'vrrp_instance', 'vrid', 'address'], "The virtual address sits on one of the node's interfaces (ip -j addr), whatever keepalived claims."),
  vrrpMasters: g('hawatch_vrrp_masters', ['cluster', 'vrid', 'vrrp_instance'], 'Nodes whose keepalived claims MASTER for the router (more than 1 is split brain).'),
  vipHolders: g('hawatch_vip_holders', ['cluster', 'vrid', 'address'], 'Nodes the virtual address sits on (0: unreachable; more than 1: split brain).'),

  // DRBD: each node's view of its resources and of each peer.
  drbdResourceRole: g('hawatch_drbd_resource_role', ['cluster', 'node', 'resource', 'state'], `One-hot local role: ${DRBD_ROLES.join(', ')}.`),
  drbdDiskState: g('hawatch_drbd_device_disk_state', ['cluster', 'node', 'resource', 'volume', 'state'], `One-hot local disk state: ${DRBD_DISK_STATES.join(', ')}.`),
  drbdDeviceClient: g('hawatch_drbd_device_client', ['cluster', 'node', 'resource', 'volume'], 'The device is an intentional diskless client (absent when DRBD does not say).'),
  drbdConnectionState: g('hawatch_drbd_connection_state', ['cluster', 'node', 'resource', 'peer', 'state'], `One-hot connection state to the peer: ${DRBD_CONNECTION_STATES.join(', ')}.`),
  drbdPeerRole: g('hawatch_drbd_connection_peer_role', ['cluster', 'node', 'resource', 'peer', 'state'], `One-hot role of the peer: ${DRBD_ROLES.join(', ')}.`),
  drbdReplicationState: g('hawatch_drbd_peer_device_replication_state', ['cluster', 'node', 'resource', 'peer', 'volume', 'state'], `One-hot replication state with the peer: ${DRBD_REPLICATION_STATES.join(', ')}.`),
  drbdPeerDiskState: g('hawatch_drbd_peer_device_peer_disk_state', ['cluster', 'node', 'resource', 'peer', 'volume', 'state'], `One-hot disk state of the peer: ${DRBD_DISK_STATES.join(', ')}.`),
  drbdPeerClient: g('hawatch_drbd_peer_device_peer_client', ['cluster', 'node', 'resource', 'peer', 'volume'], 'The peer is an intentional diskless client (absent when DRBD does not say).'),
  drbdSyncDone: g('hawatch_drbd_peer_device_sync_done_ratio', ['cluster', 'node', 'resource', 'peer', 'volume'], 'Resync/verify progress 0..1 while one runs; 1 when replication is Established; absent otherwise (unknown).'),
  drbdOutOfSync: g('hawatch_drbd_peer_device_out_of_sync_bytes', ['cluster', 'node', 'resource', 'peer', 'volume'], 'Data out of sync with the peer.'),
  drbdSplitBrainHelper: g('hawatch_drbd_split_brain_helper_seen', ['cluster', 'node', 'resource'], 'A split-brain helper was called for the resource (since the agent started, or in the parsed events).'),

  // iSCSI: each node's initiator sessions and configured targets.
  iscsiSessions: g('hawatch_iscsi_sessions', ['cluster', 'node'], 'iSCSI sessions on the node.'),
  iscsiSessionState: g('hawatch_iscsi_session_state', ['cluster', 'node', 'target', 'portal', 'iface', 'state'], `One-hot kernel session state: ${ISCSI_SESSION_STATES.join(', ')}.`),
  iscsiConnectionState: g('hawatch_iscsi_session_connection_state', ['cluster', 'node', 'target', 'portal', 'iface', 'state'], `One-hot iscsid connection state (absent when iscsid did not say): ${ISCSI_CONNECTION_STATES.join(', ')}.`),
  iscsiNodeSession: g('hawatch_iscsi_node_session', ['cluster', 'node', 'target', 'portal'], 'The configured node record has a session (0: configured, not logged in).'),

  // Fencing: the cluster's fence history (Pacemaker and stonith_admin) and each node's SBD devices.
  fencingLastState: g('hawatch_fencing_last_state', ['cluster', 'node', 'state'], `One-hot outcome of the latest fencing of the node (target): ${FENCE_STATES.join(', ')}.`),
  fencingLastCompleted: g('hawatch_fencing_last_completed_timestamp_seconds', ['cluster', 'node'], 'When the latest completed fencing of the node (target) finished.'),
  fencingEvents: g('hawatch_fencing_events', ['cluster', 'state'], 'Entries in the fence history, by outcome (the history is kept by Pacemaker and can be cleaned, so this is a gauge).'),
  sbdReadable: g('hawatch_fencing_sbd_device_readable', ['cluster', 'node', 'device'], "sbd on the node could read the device's header."),

  // Alerts the collector's own rules hold open, and their delivery.
  alerts: g('hawatch_alerts', ['cluster', 'rule', 'severity', 'status'], "Open alerts (pending: seen, not yet past the rule's for; firing: paging) by rule, severity and cluster."),
  alertStarted: g('hawatch_alert_started_timestamp_seconds', ['cluster', 'rule', 'severity', 'status', 'subject'], 'When each open alert was first seen; subject is its labels as k=v,k=v.'),
  notifierPending: g('hawatch_notifier_pending', ['notifier', 'kind'], 'Alert notifications waiting for delivery (durable), per notifier.'),
  notifierFailures: g('hawatch_notifier_consecutive_failures', ['notifier', 'kind'], 'Failed delivery attempts in a row, per notifier (0 after a success).'),

  // SLA figures of each object under each SLA (collector/sla/live.ts), for the SLA's current calendar period so far.
  // Computed from the transition history at most every few seconds, not per scrape; REST and SNMP show the same.
  slaAvailability: g('hawatch_sla_availability_ratio', SLA_LABELS, 'Counted up time / (counted up + counted down time) of the object in the period so far (absent while nothing was counted).'),
  slaObjective: g('hawatch_sla_objective_ratio', SLA_LABELS, "The SLA's objective (SLO) as a ratio, e.g. 0.999."),
  slaBudgetRemaining: g('hawatch_sla_error_budget_remaining_ratio', SLA_LABELS, "Share of the period's error budget left (negative once overspent; absent when the budget is 0)."),
  slaBurnRate: g('hawatch_sla_burn_rate', SLA_LABELS, 'Period-to-date burn rate: counted down time / ((1 - objective) x counted time); 1 spends the budget exactly by the period end.'),
  slaDowntime: g('hawatch_sla_downtime_seconds', SLA_LABELS, 'Time counted as down in the period so far.'),
  slaCounted: g('hawatch_sla_counted_seconds', SLA_LABELS, 'Time counted (up or down) in the period so far; excluded time (maintenance, unknown by default) is not.'),
  slaIncidents: g('hawatch_sla_incidents', SLA_LABELS, 'Incidents (runs of counted down time) in the period so far; an open one counts.'),
  slaMtbf: g('hawatch_sla_mtbf_seconds', SLA_LABELS, 'Mean time between failures: counted up time / incidents (absent without incidents).'),
  slaMttr: g('hawatch_sla_mttr_seconds', SLA_LABELS, 'Mean time to repair: counted down time / incidents (absent without incidents).'),
  slaMtta: g('hawatch_sla_mtta_seconds', SLA_LABELS, 'Mean time from an incident start to the first acknowledgement of an alert about the object (absent without acknowledged incidents).'),
});

/** The model's families in the order /metrics renders them. */
export const MODEL_FAMILIES: readonly FamilySpec[] = Object.freeze(Object.values(F));

/** The collector's own instruments (prom-client), rendered after the model's. */
export const INTERNAL_FAMILIES = Object.freeze({
  ingestBatches: Object.freeze({
    name: 'hawatch_ingest_batches_total',
    type: 'counter',
    help: 'Pushes received, by result: stored, duplicate (a replay, stored before), rejected (bad token, schema or size), failed (store error).',
    labels: Object.freeze(['result']),
  } satisfies FamilySpec),
  ingestSamples: Object.freeze({ name: 'hawatch_ingest_samples_total', type: 'counter', help: 'Samples committed to the store.', labels: Object.freeze([]) } satisfies FamilySpec),
  commitSeconds: Object.freeze({ name: 'hawatch_store_commit_duration_seconds', type: 'histogram', help: 'Time to commit one group of pushes to SQLite.', labels: Object.freeze([]) } satisfies FamilySpec),
  queueDepth: Object.freeze({ name: 'hawatch_ingest_queue_depth', type: 'gauge', help: 'Pushes waiting for the next group commit.', labels: Object.freeze([]) } satisfies FamilySpec),
});

export const ALL_FAMILIES: readonly FamilySpec[] = Object.freeze([...MODEL_FAMILIES, ...Object.values(INTERNAL_FAMILIES)]);
