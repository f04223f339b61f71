// A real collector over a real store for the Availability tests (REST, /metrics, SNMP): two recorded split brains
// replayed through the real probes and store writer (test/collector/report/seed.ts), one acknowledged alert about
// the VIP (for MTTA), one maintenance window set as the API stores it (silences, kind 'maintenance'), and an
// injected clock so that the figures, the periods and the cache can be held to hand-made expectations.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { validateConfig } from '../../../common/config-file.js';
import { CollectorConfig } from '../../../collector/config.js';
import { startCollector, type RunningCollector } from '../../../collector/main.js';
import { openDb } from '../../../collector/store/db.js';
import { calendar, slaPolicy, type TimeRange } from '../../../collector/sla/index.js';
import { SlaReader, SqliteSlaSource, type ObjectSla, type SlaKind } from '../../../collector/sla/store.js';
import { seedScenario, type Seeded } from '../report/seed.js';
import { ADMIN_TOKEN, AGENT_TOKEN, READ_TOKEN } from '../../helpers/collector.js';

export const VIP = '10.213.0.100';
/** The acknowledgement is this long after the VIP's incident began: the MTTA the faces must show. */
export const ACK_AFTER_S = 42;
// Agents of a replay push every second; a large allowance keeps them fresh at the fixture's clock, so that the live
// tree has the objects the Availability entries link to.
const STALE_AFTER = 100_000;

export const SLAS = [
  { name: 'services', description: 'services of both labs', objects: [{ kind: 'resource' }, { kind: 'vip' }], slo: 99.9, period: 'day', timeZone: 'UTC' },
  { name: 'members', objects: [{ kind: 'cluster' }, { kind: 'node', cluster: 'sb' }], slo: 99.5, period: 'week', timeZone: 'Europe/Berlin', debounceSeconds: 1 },
] as const;

export interface AvailabilityFixture {
  c: RunningCollector;
  clock: { now: number };
  dataDir: string;
  vr: Seeded;
  sb: Seeded;
  /** The VIP's incident as the maths sees it without any acknowledgement (the fixture's alert is placed on it). */
  vipIncident: TimeRange;
  /** The day period (services) at the fixture's start. */
  day: TimeRange & { label: string };
  /** Figures straight from the store for a services object, computed apart from the collector (no maintenance from the API). */
  direct(kind: SlaKind, cluster: string, object: string, nowMs: number, withApiWindows: boolean): ObjectSla;
  cleanup(): Promise<void>;
}

export const startAvailabilityFixture = async (extra: Record<string, unknown> = {}): Promise<AvailabilityFixture> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hawatch-availability-'));
  const vr = await seedScenario('vrrp-split-brain-port', dataDir, { cluster: 'vr', probeEveryMs: 500, stepMs: 100 });
  const sb = await seedScenario('pcmk2-split-brain', dataDir, { cluster: 'sb' });
  const clock = { now: Math.max(vr.lastMs, sb.lastMs) + 1_000 };
  const p = calendar('UTC').periodContaining(clock.now, 'day');
  const day = { fromMs: p.fromMs, toMs: p.toMs, label: p.label };

  const db = openDb(dataDir);
  const direct = (kind: SlaKind, cluster: string, object: string, nowMs: number, withApiWindows: boolean): ObjectSla => {
    const ro = new Database(join(dataDir, 'hawatch.sqlite'), { readonly: true });
    try {
      const source = new SqliteSlaSource(ro);
      // Without the API's windows: a source that has none.
      const src = withApiWindows ? source : { ...bind(source), maintenanceWindows: () => [] };
      const r = new SlaReader(src, { staleAfterIntervals: STALE_AFTER }).objectSla({ cluster, kind, object }, day, nowMs, slaPolicy({ slo: 0.999 }));
      if (r === null) throw new Error(`no ${kind} ${object} in ${cluster}`);
      return r;
    } finally {
      ro.close();
    }
  };
  const inc = direct('vip', 'vr', VIP, clock.now, false).report.incidentList[0];
  if (inc === undefined) throw new Error('the recorded VRRP split brain has no incident');
  const vipIncident = { fromMs: inc.fromMs, toMs: inc.toMs };
  // An alert about the VIP firing from the incident's start, acknowledged ACK_AFTER_S later (as the REST ack action stores it).
  db.prepare(
    "INSERT INTO alerts (fingerprint, rule, cluster, severity, labels, summary, description, runbook, status, starts_ms, firing_ms, ends_ms, evidence, updated_ms, acked_ms, acked_by) VALUES ('fp-vip', 'VrrpVipOnNonMaster', 'vr', 'critical', ?, 'VIP on a non-master', '', '', 'resolved', ?, ?, ?, '[]', ?, ?, 'ops')",
  ).run(JSON.stringify({ vrid: '51', instance: 'VI_1', node: 'node-b', address: VIP }), inc.fromMs, inc.fromMs, inc.toMs + 5_000, inc.toMs + 5_000, inc.fromMs + ACK_AFTER_S * 1000);
  // A maintenance window over the whole day for sb's dummy: its split brain must not count.
  db.prepare("INSERT INTO silences (id, kind, matchers, starts_ms, ends_ms, comment, created_by, created_ms) VALUES ('mw-1', 'maintenance', ?, ?, ?, 'planned split-brain drill', 'ops', ?)").run(
    JSON.stringify([
      { name: 'cluster', value: 'sb', isRegex: false, isEqual: true },
      { name: 'resource', value: 'dummy', isRegex: false, isEqual: true },
    ]),
    day.fromMs,
    day.toMs,
    day.fromMs,
  );
  db.close();

  const config = validateConfig(
    CollectorConfig,
    {
      dataDir,
      http: { listen: '127.0.0.1:0' },
      auth: {
        tokens: [
          { name: 'agents', role: 'agent', token: AGENT_TOKEN },
          { name: 'grafana', role: 'read', token: READ_TOKEN },
          { name: 'ops', role: 'admin', token: ADMIN_TOKEN },
        ],
      },
      agents: { staleAfterIntervals: STALE_AFTER },
      slas: SLAS,
      slaReport: { enabled: false },
      ...extra,
    },
    'test',
  );
  const c = await startCollector(config, { logger: pino({ level: process.env['HAWATCH_TEST_LOG'] ?? 'silent' }), now: () => clock.now });
  return {
    c,
    clock,
    dataDir,
    vr,
    sb,
    vipIncident,
    day,
    direct,
    cleanup: async () => {
      await c.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

const bind = (s: SqliteSlaSource) => ({
  clusters: () => s.clusters(),
  objects: (c: string, k: string) => s.objects(c, k),
  history: (c: string, k: string, o: string, r: TimeRange) => s.history(c, k, o, r),
  agents: (c: string) => s.agents(c),
  acknowledgedAlerts: (c: string, r: TimeRange) => s.acknowledgedAlerts(c, r),
});
