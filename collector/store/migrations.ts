// Numbered schema migrations. Append only: a released migration is never edited; a change is a new entry.
import { ALERT_DELIVERY_MIGRATION } from '../alerts/notify/queue.js';
import { ALERT_NOISE_MIGRATION } from '../alerts/grouping.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'agents, batches, series/samples, probe results, object states and transitions',
    sql: `
      -- One row per agent outbox (a reinstalled agent gets a new instance id, so its seqs start afresh).
      CREATE TABLE agents (
        agent_instance TEXT PRIMARY KEY,
        cluster TEXT NOT NULL,
        node TEXT NOT NULL,
        agent_version TEXT NOT NULL,
        interval_ms INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX agents_by_node ON agents (cluster, node, last_seen_ms);

      -- The idempotency ledger: a batch replayed after a lost acknowledgement finds its key here.
      CREATE TABLE batches (
        agent_instance TEXT NOT NULL,
        seq INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        observations INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        PRIMARY KEY (agent_instance, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE series (
        series_id INTEGER PRIMARY KEY,
        cluster TEXT NOT NULL,
        node TEXT NOT NULL,
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        UNIQUE (cluster, node, metric, labels)
      ) STRICT;

      -- Compact time series: measured at ~135k rows/s when commits hold whole pushes (docs/npm-stack.md).
      CREATE TABLE samples (
        series_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (series_id, ts)
      ) STRICT, WITHOUT ROWID;

      -- Latest result of each probe on each node: what the model is rebuilt from after a restart.
      CREATE TABLE probe_latest (
        cluster TEXT NOT NULL,
        node TEXT NOT NULL,
        probe TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        error TEXT,
        report TEXT,
        PRIMARY KEY (cluster, node, probe)
      ) STRICT, WITHOUT ROWID;

      -- Current state of every object as each node sees it; a change becomes a transitions row.
      CREATE TABLE object_state (
        cluster TEXT NOT NULL,
        node TEXT NOT NULL,
        probe TEXT NOT NULL,
        kind TEXT NOT NULL,
        object TEXT NOT NULL,
        state TEXT NOT NULL,
        availability TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (cluster, node, kind, object)
      ) STRICT, WITHOUT ROWID;

      -- History as transitions: SLA, events and alert evidence read these, never the raw samples.
      CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        cluster TEXT NOT NULL,
        node TEXT NOT NULL,
        probe TEXT NOT NULL,
        kind TEXT NOT NULL,
        object TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        availability TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX transitions_by_object ON transitions (cluster, kind, object, at_ms);
      CREATE INDEX transitions_by_time ON transitions (cluster, at_ms);
    `,
  },
  {
    version: 2,
    name: 'alerts and their history',
    sql: `
      -- Open and recent alerts; the fingerprint is stable for the same rule, cluster and labels.
      CREATE TABLE alerts (
        fingerprint TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        cluster TEXT NOT NULL,
        severity TEXT NOT NULL,
        labels TEXT NOT NULL,
        summary TEXT NOT NULL,
        description TEXT NOT NULL,
        runbook TEXT NOT NULL,
        status TEXT NOT NULL,
        starts_ms INTEGER NOT NULL,
        firing_ms INTEGER,
        ends_ms INTEGER,
        evidence TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX alerts_by_status ON alerts (status, updated_ms);
      -- Every status change of every alert, with the evidence at that moment.
      CREATE TABLE alert_history (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        evidence TEXT NOT NULL
      ) STRICT;
      CREATE INDEX alert_history_by_alert ON alert_history (fingerprint, at_ms);
      CREATE INDEX alert_history_by_time ON alert_history (at_ms);
    `,
  },
  {
    version: 3,
    name: 'REST: event-filter indexes and EventService subscriptions',
    sql: `
      -- $filter on Events by kind, object or reporting node, newest first, without a sort or a scan of the cluster.
      CREATE INDEX transitions_by_kind ON transitions (cluster, kind, at_ms);
      CREATE INDEX transitions_by_object_time ON transitions (cluster, object, at_ms);
      CREATE INDEX transitions_by_node ON transitions (cluster, node, at_ms);

      -- Alert destinations (EventService/Subscriptions). secret is write-only in the API.
      CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        protocol TEXT NOT NULL,
        destination TEXT NOT NULL,
        context TEXT,
        secret TEXT,
        created_ms INTEGER NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'alert acknowledgements and silences',
    sql: `
      -- Who acknowledged an alert, and when (MTTA = firing → acknowledged). Acks survive resolve.
      ALTER TABLE alerts ADD COLUMN acked_ms INTEGER;
      ALTER TABLE alerts ADD COLUMN acked_by TEXT;
      CREATE INDEX alerts_by_cluster_firing ON alerts (cluster, firing_ms);

      -- Silences and maintenance windows: matchers on rule/cluster/labels over [starts_ms, ends_ms).
      -- kind 'maintenance' also excludes the window from SLA figures; expiring sets ends_ms to the moment of expiry.
      CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('silence', 'maintenance')),
        matchers TEXT NOT NULL,
        starts_ms INTEGER NOT NULL,
        ends_ms INTEGER NOT NULL,
        comment TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX silences_by_end ON silences (ends_ms);
    `,
  },
  // Alert delivery keeps its own numbering (100+) so its schema can evolve with the notifiers.
  ALERT_DELIVERY_MIGRATION,
  // Silences, inhibition, grouping and late evidence (collector/alerts/grouping.ts); needs 100's table.
  ALERT_NOISE_MIGRATION,
];
