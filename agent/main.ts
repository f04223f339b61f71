// Wiring of the agent: config → probes on the scheduler → outbox → pusher. Clock, exec and logger are
// injected, so the demo can run the same agent on recorded outputs and tests can run it deterministically.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readSecret } from '../common/config-file.js';
import { PROBE_COMMON_KEYS, type AgentConfig } from './config.js';
import type { Exec, ExecStream } from './lib/exec.js';
import { PROBES } from './probes/index.js';
import { Scheduler, type ScheduledProbe } from './scheduler.js';
import { openOutbox, type Outbox } from './outbox.js';
import { LocalStateHistory, SLA_HISTORY_FILE } from './probes/sla/history.js';
import { Pusher } from './push.js';
import type { Observation } from './protocol/index.js';

export { AGENT_VERSION } from '../common/version.js';
import { AGENT_VERSION } from '../common/version.js';
export const OUTBOX_FILE = 'outbox.sqlite';

export interface AgentDeps {
  logger: Logger;
  exec: Exec;
  /** Long-lived event streams for event-driven probes; absent in replays, where probes run on their interval. */
  execStream?: ExecStream;
  now?: () => number;
  random?: () => number;
  fetch?: typeof globalThis.fetch;
  configFile?: string;
}

export interface RunningAgent {
  scheduler: Scheduler;
  pusher: Pusher;
  outbox: Outbox;
  stop(): Promise<void>;
}

/**
 * What makes two observations of one probe "the same" for push timing: status and object states.
 * Reports carry timestamps (crm_mon's last_update) that change every run, so they are not compared.
 */
export const changeKey = (o: Observation): string =>
  JSON.stringify([o.status, o.error?.code ?? null, o.states.map((s) => [s.kind, s.id, s.state])]);

export const startAgent = async (config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> => {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const token = readSecret(config.collector.token, config.collector.tokenFile, 'collector.token', deps.configFile ?? '(config)');
  if (token === undefined) log.warn('no collector.token or collector.tokenFile: the collector will refuse pushes; they wait in the outbox');

  mkdirSync(config.dataDir, { recursive: true });
  const outbox = openOutbox(join(config.dataDir, OUTBOX_FILE), { maxBatches: config.collector.outboxMaxBatches, logger: log });
  const intervalMs = Math.round(config.collector.pushIntervalSeconds * 1000);
  const pusher = new Pusher({
    outbox,
    url: config.collector.url,
    token: token ?? '',
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    now,
    random: deps.random ?? Math.random,
    logger: log,
    requestTimeoutMs: config.collector.requestTimeoutSeconds * 1000,
    backoff: { initialMs: config.collector.backoffInitialSeconds * 1000, maxMs: config.collector.backoffMaxSeconds * 1000 },
    header: { cluster: config.cluster, node: config.node, agentVersion: AGENT_VERSION, intervalMs },
    maxObservationsPerBatch: config.collector.maxObservationsPerBatch,
  });

  // The node's own state history, for the sla probe's MTBF/MTTR/availability figures (only when that probe runs).
  const slaBlock = (config.probes as Record<string, Record<string, unknown>>)['sla'];
  const slaHistory = slaBlock && slaBlock['enabled'] !== false ? LocalStateHistory.open(join(config.dataDir, SLA_HISTORY_FILE), now()) : null;

  const lastKey = new Map<string, string>();
  const onObservation = (o: Observation) => {
    outbox.enqueue(o);
    if (slaHistory && o.status === 'ok' && o.states.length > 0) {
      try {
        slaHistory.record(o.states, o.at);
      } catch (e) {
        log.error({ err: e, probe: o.probe }, 'could not record states in the local SLA history; the figures will show a gap');
      }
    }
    const key = changeKey(o);
    if (lastKey.get(o.probe) !== key) {
      lastKey.set(o.probe, key);
      pusher.kick(); // a change goes out at once; the rest waits for the periodic push
    }
  };

  const scheduled: ScheduledProbe[] = [];
  for (const [name, block] of Object.entries(config.probes as Record<string, Record<string, unknown>>)) {
    const d = PROBES[name];
    if (!d || block['enabled'] === false) continue;
    const options = Object.fromEntries(Object.entries(block).filter(([k]) => !(PROBE_COMMON_KEYS as readonly string[]).includes(k)));
    scheduled.push({
      probe: d.create(options, { slaHistory }),
      intervalMs: Math.round(Number(block['intervalSeconds']) * 1000),
      timeoutMs: Math.round(Number(block['timeoutSeconds']) * 1000),
    });
  }
  const scheduler = new Scheduler(scheduled, {
    exec: deps.exec,
    ...(deps.execStream ? { execStream: deps.execStream } : {}),
    node: config.node,
    now,
    onObservation,
    logger: log,
  });
  scheduler.start();
  pusher.start(intervalMs);
  log.info({ cluster: config.cluster, node: config.node, collector: config.collector.url, probes: scheduled.map((s) => s.probe.name) }, 'agent started');

  let stopped = false;
  return {
    scheduler,
    pusher,
    outbox,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await scheduler.stop();
      // One last attempt so that a clean shutdown leaves nothing behind when the collector is up.
      await pusher.flush().catch(() => undefined);
      await pusher.stop();
      outbox.close();
      slaHistory?.close(now());
    },
  };
};
