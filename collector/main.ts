// Wiring of the collector: store → group commit → model → HTTP faces. Clock and logger are injected.
import type { Logger } from 'pino';
import { readSecret } from '../common/config-file.js';
import { parseHostPort, type CollectorConfig } from './config.js';
import { openDb, type Db } from './store/db.js';
import { StoreWriter } from './store/writer.js';
import { GroupCommitter } from './ingest/group-commit.js';
import { ClusterModel } from './model/model.js';
import { createMetrics } from './prometheus/metrics.js';
import { buildHttpServer } from './http.js';
import { TokenAuth, type Token } from './rest/auth.js';
import { AlertEngine, AlertStore } from './alerts/engine.js';
import { RULES } from './alerts/rules/index.js';
import { SqliteRuleContext } from './alerts/rules/history.js';
import { registerAlertRoutes } from './alerts/routes.js';
import { alertingSettings, NotificationDispatcher } from './alerts/grouping.js';
import { SilenceStore } from './alerts/silences.js';
import { SubscriptionNotifiers } from './alerts/subscription-notifiers.js';
import { SubscriptionStore } from './rest/subscriptions.js';
import type { AlertNotification } from './alerts/types.js';
import { createDeliveryQueue, createNotifiers } from './alerts/notify/index.js';
import { bundledMibDir, startSnmpAgent, type RunningSnmpAgent } from './snmp/index.js';
import { AGENT_VERSION } from '../common/version.js';
import { AgentLivenessRecorder } from './sla/store.js';
import { defaultSlaDefinitions, slaDefinitions } from './sla/policy-config.js';
import { sqliteAvailability, vipRoutersOf, type LiveSlaFigures } from './sla/live.js';
import { registerAvailabilityApi } from './rest/views/availability.js';
import { scheduleMonthlyReport, type MonthlyReportTask } from './report/schedule.js';

export interface CollectorDeps {
  logger: Logger;
  now?: () => number;
  /** Told of every alert that starts firing or resolves (after it is stored). */
  onAlert?: (n: AlertNotification) => void;
  /** For error messages about tokens: which file the config came from. */
  configFile?: string;
}

export interface RunningCollector {
  /** e.g. http://127.0.0.1:9470 */
  url: string;
  db: Db;
  model: ClusterModel;
  alerts: AlertEngine;
  /** The SNMP agent, when snmp.enabled. */
  snmp: RunningSnmpAgent | null;
  close(): Promise<void>;
}

export const resolveTokens = (config: CollectorConfig, configFile: string): Token[] =>
  config.auth.tokens.map((t) => {
    const token = readSecret(t.token, t.tokenFile, `auth.tokens[${t.name}]`, configFile);
    if (token === undefined || token.length < 16) throw new Error(`${configFile}: auth.tokens[${t.name}]: needs token or tokenFile with at least 16 characters`);
    return { name: t.name, role: t.role, token };
  });

export const startCollector = async (config: CollectorConfig, deps: CollectorDeps): Promise<RunningCollector> => {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const db = openDb(config.dataDir);
  const writer = new StoreWriter(db);
  const invalidReported = new Set<string>();
  const model = new ClusterModel({
    staleAfterIntervals: config.agents.staleAfterIntervals,
    now,
    onInvalidReport: (w, problems) => {
      const key = `${w.cluster}/${w.node}/${w.probe}`;
      if (invalidReported.has(key)) return;
      invalidReported.add(key);
      log.warn({ ...w, problems }, 'report does not match this collector\'s schema (agent newer or older?); samples kept, report ignored');
    },
  });
  model.loadFromStore(db);
  // Checked before anything listens: a bad slas: block stops the start like any other config error.
  const slaDefs = config.slas.length > 0 ? slaDefinitions(config.slas, deps.configFile ?? '(config)') : defaultSlaDefinitions();
  const liveness = new AgentLivenessRecorder(db);
  // SLA figures for REST (/api/v1/Availability), /metrics and SNMP: computed from the store at most every 10 s and
  // shared, so the three faces agree and polling stays cheap.
  const availability = sqliteAvailability(db, {
    definitions: slaDefs,
    now,
    staleAfterIntervals: config.agents.staleAfterIntervals,
    vipRouters: () => vipRoutersOf(model.snapshot()),
  });
  let availabilityFailing = false;
  const currentFigures = (): LiveSlaFigures[] => {
    try {
      const f = availability.all('current');
      availabilityFailing = false;
      return f;
    } catch (e) {
      // A scrape or walk goes on without the SLA rows; logged once until it works again.
      if (!availabilityFailing) log.error({ err: e }, 'SLA figures failed; /metrics and SNMP go on without them');
      availabilityFailing = true;
      return [];
    }
  };

  // Set once the SNMP agent runs (below); snmp-trap notifiers read its MIB and sysUpTime at each send.
  let snmp: RunningSnmpAgent | null = null;
  const notifierDeps = {
    now,
    ...(config.delivery.externalUrl ? { externalUrl: config.delivery.externalUrl } : {}),
    snmpAgent: () => snmp,
    ...(config.snmp.mibDir ? { mibDir: config.snmp.mibDir } : {}),
  };
  const notifiers = createNotifiers(config.notifiers, { ...notifierDeps, source: deps.configFile ?? '(config)' });
  const delivery = createDeliveryQueue({
    db,
    notifiers,
    now,
    random: Math.random,
    logger: log.child({ part: 'delivery' }),
    backoff: { initialMs: config.delivery.backoffInitialSeconds * 1000, maxMs: config.delivery.backoffMaxSeconds * 1000 },
    maxAgeMs: config.delivery.maxAgeHours * 3600_000,
    retentionMs: config.delivery.retentionDays * 86_400_000,
  });
  // REST EventService subscriptions deliver too: the stored ones from now, new ones from their creation.
  const subscriptionNotifiers = new SubscriptionNotifiers(delivery, notifierDeps, log.child({ part: 'subscriptions' }));
  for (const row of new SubscriptionStore(db).list()) subscriptionNotifiers.add(row);
  const anyNotifier = () => notifiers.length > 0 || subscriptionNotifiers.size > 0;
  const alertStore = new AlertStore(db);
  // Noise control (grouping, repeat, silences, inhibition, late evidence): checked here, before anything listens.
  const alerting = alertingSettings(config.alerting, deps.configFile ?? '(config)');
  const silences = new SilenceStore(db, now);
  const dispatcher = new NotificationDispatcher({
    db,
    settings: alerting,
    silences,
    acknowledged: () => alertStore.acknowledged(),
    lookup: (fp) => alertStore.get(fp),
    enqueue: (batch, group) => (anyNotifier() ? delivery.enqueue(batch, { group }) : 0),
    logger: log.child({ part: 'alerting' }),
  });
  const alerts = new AlertEngine({
    rules: RULES,
    store: alertStore,
    // Flapping and "failover happened" rules read recent transitions from the store.
    history: new SqliteRuleContext(db, { now }),
    // Notifications go through the dispatcher (after every evaluation), which keeps a durable log of what it sent.
    lateEvidence: { staleAfterIntervals: config.agents.staleAfterIntervals, ...(alerting.lateEvidenceMs === undefined ? {} : { fixedMs: alerting.lateEvidenceMs }) },
  });
  // Rules run after pushes change the model (at once, then at most every EVALUATE_MIN_MS under a stream of pushes)
  // and on a timer, which is what turns a silent agent stale and a pending alert firing when no push arrives.
  const EVALUATE_MIN_MS = 100;
  const EVALUATE_EVERY_MS = 1_000;
  let evalTimer: NodeJS.Timeout | undefined;
  let dueTimer: NodeJS.Timeout | undefined;
  let lastEvaluated = Number.NEGATIVE_INFINITY; // performance.now(): the throttle runs on real time, whatever now() is
  const evaluate = () => {
    evalTimer = undefined;
    lastEvaluated = performance.now();
    clearTimeout(dueTimer);
    dueTimer = undefined;
    try {
      const snap = model.snapshot();
      // History of agent silence, so SLA reports know when a node's reports proved nothing.
      liveness.record(snap);
      for (const n of alerts.evaluate(snap)) {
        // Historical alerts (late evidence) are logged by the dispatcher and are no news for onAlert listeners.
        if ((n.alert as { historical?: boolean }).historical === true) continue;
        log.warn({ alert: n.alert.rule, kind: n.kind, cluster: n.alert.cluster, labels: n.alert.labels, summary: n.alert.summary, evidence: n.alert.evidence }, `alert ${n.kind}`);
        deps.onAlert?.(n);
      }
      const open = alerts.openAlerts();
      dispatcher.tick(now(), open);
      // Alertmanager expires a firing alert unless it is re-sent (as Prometheus does every minute): only the
      // incidents it was told about.
      if (anyNotifier()) delivery.resendFiring(dispatcher.notifiedFiring(open));
      // A pending alert fires the moment its `for` has passed, not at the next tick: a short split brain still pages.
      // A waiting notification group goes out the moment its wait is over.
      const dues = [alerts.nextDueMs(), dispatcher.nextDueMs()].filter((d): d is number => d !== null);
      const due = dues.length > 0 ? Math.min(...dues) : null;
      if (due !== null) {
        dueTimer = setTimeout(evaluate, Math.max(0, due - now()) + 5);
        dueTimer.unref();
      }
    } catch (e) {
      log.error({ err: e }, 'alert evaluation failed');
    }
  };
  const evaluateSoon = () => {
    // Leading edge: the first push after a quiet spell is evaluated at once (it may be a split brain); a burst
    // of pushes is folded into one evaluation per EVALUATE_MIN_MS.
    evalTimer ??= setTimeout(evaluate, Math.max(0, lastEvaluated + EVALUATE_MIN_MS - performance.now()));
  };
  const evalTick = setInterval(evaluate, EVALUATE_EVERY_MS);
  evalTick.unref();

  let lastCommitError: string | null = null;
  // Assigned below; the committer's callbacks only run after the first push.
  let metrics: ReturnType<typeof createMetrics> | undefined;
  const committer = new GroupCommitter({
    windowMs: config.ingest.groupCommitMs,
    maxSamples: config.ingest.groupCommitMaxSamples,
    write: (batches) => writer.writeBatches(batches, now()),
    onCommit: ({ durationMs, outcomes, batchesIn, samples }) => {
      lastCommitError = null;
      metrics?.commitSeconds.observe(durationMs / 1000);
      metrics?.ingestSamples.inc(samples);
      const received = now();
      outcomes.forEach((o, i) => {
        metrics?.ingestBatches.inc({ result: o.ack.duplicate ? 'duplicate' : 'stored' });
        const b = batchesIn[i];
        if (b && !o.ack.duplicate) model.applyBatch(b, received);
      });
      evaluateSoon();
    },
    onError: (e, n) => {
      lastCommitError = (e as Error).message;
      metrics?.ingestBatches.inc({ result: 'failed' }, n);
      log.error({ err: e, batches: n }, 'group commit failed; the pushes were not acknowledged and will be retried by the agents');
    },
  });
  metrics = createMetrics(model, () => committer.depth, () => alerts.openAlerts(), () => delivery.stats(), currentFigures);

  const app = buildHttpServer({
    logger: log,
    bodyLimitBytes: config.http.bodyLimitBytes,
    auth: new TokenAuth(resolveTokens(config, deps.configFile ?? '(config)')),
    openReads: config.auth.openReads,
    committer,
    model,
    db,
    now,
    metrics,
    onSubscription: (change) => {
      if ('created' in change) subscriptionNotifiers.add(change.created);
      else void subscriptionNotifiers.remove(change.deleted).catch((e: unknown) => log.error({ err: e }, 'removing a subscription\'s notifier failed'));
    },
    health: () => {
      const checks: Record<string, string> = {};
      try {
        db.prepare('SELECT 1').get();
        checks['store'] = lastCommitError === null ? 'ok' : `last commit failed: ${lastCommitError}`;
      } catch (e) {
        checks['store'] = `unreadable: ${(e as Error).message}`;
      }
      return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
    },
  });
  registerAlertRoutes(app, { store: alertStore, silences, open: () => alerts.openAlerts(), dispatcher, settings: alerting, now });
  registerAvailabilityApi(app, { availability, model });
  const { host, port } = parseHostPort(config.http.listen);
  await app.listen({ host, port });
  const addr = app.server.address();
  const boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  log.info({ url, dataDir: config.dataDir }, 'collector listening');

  if (config.snmp.enabled) {
    const cfgFile = deps.configFile ?? '(config)';
    const s = parseHostPort(config.snmp.listen);
    try {
      snmp = await startSnmpAgent({
        model,
        alerts: () => alerts.openAlerts(),
        availability: currentFigures,
        listen: { host: s.host, port: s.port },
        now,
        logger: log.child({ face: 'snmp' }),
        communities: config.snmp.communities.map((c, i) => readSecret(c.community, c.communityFile, `snmp.communities[${i}]`, cfgFile) ?? ''),
        v3Users: config.snmp.v3Users.map((u) => ({
          name: u.name,
          authProtocol: u.authProtocol,
          privProtocol: 'aes' as const,
          authKey: readSecret(u.authKey, u.authKeyFile, `snmp.v3Users[${u.name}].authKey`, cfgFile) ?? '',
          privKey: readSecret(u.privKey, u.privKeyFile, `snmp.v3Users[${u.name}].privKey`, cfgFile) ?? '',
        })),
        mibDir: config.snmp.mibDir ?? bundledMibDir(),
        collectorVersion: AGENT_VERSION,
        ...(config.snmp.engineId ? { engineId: config.snmp.engineId } : {}),
        system: { contact: config.snmp.sysContact, location: config.snmp.sysLocation },
        viewReuseMs: config.snmp.viewReuseMs,
      });
      log.info({ listen: config.snmp.listen }, 'SNMP agent listening');
    } catch (e) {
      await app.close();
      throw e;
    }
  }

  const slaReport: MonthlyReportTask | null = config.slaReport.enabled
    ? scheduleMonthlyReport({
        dataDir: config.dataDir,
        db,
        cron: config.slaReport.cron,
        timeZone: config.slaReport.timeZone,
        formats: config.slaReport.formats,
        definitions: slaDefs,
        staleAfterIntervals: config.agents.staleAfterIntervals,
        now,
        logger: log.child({ part: 'sla-report' }),
      })
    : null;

  let closed = false;
  return {
    url,
    db,
    model,
    alerts,
    snmp,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(evalTick);
      clearTimeout(evalTimer);
      clearTimeout(dueTimer);
      await slaReport?.stop();
      await app.close();
      await snmp?.close();
      committer.close();
      await delivery.close();
      db.close();
    },
  };
};
