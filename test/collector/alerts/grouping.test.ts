// Grouping, group wait, repeat, silences ending, resolves owed, and restarts: the dispatcher with the real durable
// delivery queue, a real webhook notifier and a real HTTP receiver on loopback. The clock is simulated (the queue and
// the dispatcher share it), so "4 hours later" takes no time; the HTTP is real.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../common/config-file.js';
import { CollectorConfig } from '../../../collector/config.js';
import { AlertingConfig, alertingSettings, groupOf, NotificationDispatcher, type AlertingSettings } from '../../../collector/alerts/grouping.js';
import type { EngineAlert } from '../../../collector/alerts/engine.js';
import { SilenceStore } from '../../../collector/alerts/silences.js';
import { createDeliveryQueue, createWebhookNotifier, type DeliveryQueue, type WebhookMessage } from '../../../collector/alerts/notify/index.js';
import { makeAlert, recordingLogger, startReceiver, tempDb, T0, type Receiver, type TempDb } from './notify/helpers.js';
import { validateConfig } from '../../../common/config-file.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const settings = (over: Partial<AlertingSettings> = {}): AlertingSettings => ({ ...alertingSettings(validateConfig(AlertingConfig, {}, 'test')), ...over });

interface Rig {
  t: TempDb;
  rx: Receiver;
  q: DeliveryQueue;
  d: NotificationDispatcher;
  silences: SilenceStore;
  acked: Set<string>;
  clock: { t: number };
  log: ReturnType<typeof recordingLogger>;
  /** Tick at the current simulated time and wait until the queue has delivered what the tick handed over. */
  tick(open: EngineAlert[]): Promise<void>;
  messages(): WebhookMessage[];
  restart(): void;
}

const rig = async (s: AlertingSettings = settings()): Promise<Rig> => {
  const t = tempDb();
  const rx = await startReceiver();
  const clock = { t: T0 };
  const now = () => clock.t;
  const log = recordingLogger();
  const acked = new Set<string>();
  const make = () => {
    const q = createDeliveryQueue({ db: t.db, notifiers: [createWebhookNotifier({ name: 'hook', url: `${rx.url}/hook`, timeoutMs: 2000, now })], now, random: () => 0.5, logger: log });
    const silences = new SilenceStore(t.db, now);
    const d = new NotificationDispatcher({
      db: t.db,
      settings: s,
      silences,
      acknowledged: () => acked,
      lookup: () => null,
      enqueue: (batch, group) => q.enqueue(batch, { group }),
      logger: log,
    });
    return { q, silences, d };
  };
  const r: Rig = {
    t,
    rx,
    ...make(),
    acked,
    clock,
    log,
    tick: async (open) => {
      r.d.tick(clock.t, open);
      await r.q.settled();
    },
    messages: () => rx.requests.map((x) => x.body as WebhookMessage),
    restart: () => {
      void r.q.close();
      Object.assign(r, make());
    },
  };
  cleanups.push(async () => {
    await r.q.close();
    await rx.close();
    t.cleanup();
  });
  return r;
};

const probeFailing = (node: string, over: Partial<EngineAlert> = {}): EngineAlert =>
  makeAlert({
    fingerprint: `fp-probe-${node}`,
    rule: 'ProbeFailing',
    severity: 'warning',
    labels: { node, probe: 'drbd' },
    summary: `probe drbd failed on ${node}`,
    runbook: 'run hawatch probe drbd --once',
    ...over,
  });
const splitBrain = (over: Partial<EngineAlert> = {}): EngineAlert => makeAlert(over);

describe('grouping', () => {
  it('batches one group into one webhook message after groupWait; groupKey, groupLabels and commonLabels are the group\'s', async () => {
    const r = await rig(settings({ groupWaitMs: 30_000 }));
    const a1 = probeFailing('n1');
    const a2 = probeFailing('n2');
    const other = probeFailing('n1', { fingerprint: 'fp-stale-n1', rule: 'AgentStale', labels: { node: 'n1' } });
    await r.tick([a1, other]);
    expect(r.rx.requests).toHaveLength(0); // warnings wait 30 s for company
    r.clock.t += 10_000;
    await r.tick([a1, a2, other]);
    expect(r.rx.requests).toHaveLength(0);
    expect(r.d.nextDueMs()).toBe(T0 + 30_000); // a joining alert does not push the group's wait back
    r.clock.t = T0 + 30_000;
    await r.tick([a1, a2, other]);
    const ms = r.messages();
    expect(ms).toHaveLength(2);
    const pf = ms.find((m) => m.groupLabels['alertname'] === 'ProbeFailing')!;
    expect(pf.groupKey).toBe('{}:{alertname="ProbeFailing", cluster="c1"}');
    expect(pf.groupLabels).toEqual({ alertname: 'ProbeFailing', cluster: 'c1' });
    expect(pf.commonLabels).toEqual({ alertname: 'ProbeFailing', cluster: 'c1', probe: 'drbd', severity: 'warning' });
    expect(pf.alerts.map((a) => a.labels['node']).sort()).toEqual(['n1', 'n2']);
    expect(pf.status).toBe('firing');
    const st = ms.find((m) => m.groupLabels['alertname'] === 'AgentStale')!;
    expect(st.alerts.map((a) => a.fingerprint)).toEqual(['fp-stale-n1']);
    // Sent once: the next ticks say nothing new.
    r.clock.t += 60_000;
    await r.tick([a1, a2, other]);
    expect(r.rx.requests).toHaveLength(2);
  });

  it('a critical alert pages at the first tick (groupWait 0 for critical), measured end to end', async () => {
    const r = await rig();
    const t0 = performance.now();
    await r.tick([splitBrain()]);
    const ms = performance.now() - t0;
    console.log(`critical: tick → webhook answered in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(r.messages()).toHaveLength(1);
    expect(r.messages()[0]).toMatchObject({ groupKey: '{}:{alertname="VrrpSplitBrain", cluster="c1"}', status: 'firing' });
  });

  it('groupBy [...] makes every alert its own group; an empty list makes one group', () => {
    const a = probeFailing('n1');
    expect(groupOf(a, ['...']).labels).toEqual({ alertname: 'ProbeFailing', cluster: 'c1', node: 'n1', probe: 'drbd', severity: 'warning' });
    expect(groupOf(a, [])).toEqual({ key: '{}:{}', labels: {} });
    // A label the alert lacks is left out, as Alertmanager does.
    expect(groupOf(a, ['cluster', 'vrid']).labels).toEqual({ cluster: 'c1' });
  });
});

describe('repeat, acknowledge, resolve', () => {
  it('re-notifies a still-firing alert after repeatInterval, not when it is acknowledged', async () => {
    const r = await rig();
    const a = splitBrain();
    await r.tick([a]);
    r.clock.t += 4 * 3600_000 - 1;
    await r.tick([a]);
    expect(r.rx.requests).toHaveLength(1);
    r.clock.t += 1;
    await r.tick([a]);
    expect(r.rx.requests).toHaveLength(2);
    expect(r.messages()[1]?.alerts[0]).toMatchObject({ status: 'firing', fingerprint: a.fingerprint });
    r.acked.add(a.fingerprint);
    r.clock.t += 8 * 3600_000;
    await r.tick([a]);
    expect(r.rx.requests).toHaveLength(2);
  });

  it('a resolve is sent for a paged incident only; a blip silenced all its life sends nothing at all', async () => {
    const r = await rig();
    const paged = splitBrain();
    const hushed = splitBrain({ fingerprint: 'fp-vrrp-52', labels: { vrid: '52' } });
    r.silences.create({ kind: 'silence', matchers: [{ name: 'vrid', value: '52', isRegex: false, isEqual: true }], endsMs: T0 + 3600_000, comment: 'lab', createdBy: 't' });
    await r.tick([paged, hushed]);
    expect(r.messages().flatMap((m) => m.alerts.map((x) => x.fingerprint))).toEqual(['fp-vrrp-51']);
    r.clock.t += 5_000;
    await r.tick([]); // both cleared
    const last = r.messages().at(-1)!;
    expect(last.status).toBe('resolved');
    expect(last.alerts.map((x) => [x.fingerprint, x.status, x.endsAt])).toEqual([['fp-vrrp-51', 'resolved', new Date(T0 + 5_000).toISOString()]]);
    expect(r.rx.requests).toHaveLength(2);
    expect(r.log.lines.some((l) => l.msg.includes('silenced: stored, not paged') && (l.obj as { fingerprint: string }).fingerprint === 'fp-vrrp-52')).toBe(true);
  });

  it('a silence that ends while the alert still fires: the alert pages then', async () => {
    const r = await rig();
    const a = splitBrain();
    const s = r.silences.create({ kind: 'maintenance', matchers: [{ name: 'cluster', value: 'c1', isRegex: false, isEqual: true }], endsMs: T0 + 600_000, comment: 'switch upgrade', createdBy: 'ops' });
    await r.tick([a]);
    r.clock.t = T0 + 599_999;
    await r.tick([a]);
    expect(r.rx.requests).toHaveLength(0);
    r.clock.t = T0 + 600_000;
    await r.tick([a]);
    expect(r.messages().map((m) => m.alerts[0]?.status)).toEqual(['firing']);
    // Expiring by hand works the same way.
    const b = splitBrain({ fingerprint: 'fp-vrrp-53', labels: { vrid: '53' } });
    const s2 = r.silences.create({ kind: 'silence', matchers: [{ name: 'vrid', value: '5[3-9]', isRegex: true, isEqual: true }], endsMs: r.clock.t + 3600_000, comment: 'x', createdBy: 'ops' });
    await r.tick([a, b]);
    expect(r.rx.requests).toHaveLength(1);
    r.clock.t += 1000;
    r.silences.expire(s2.id);
    await r.tick([a, b]);
    expect(r.messages().at(-1)?.alerts.map((x) => x.fingerprint)).toEqual(['fp-vrrp-53']);
    expect(s.id).not.toBe(s2.id);
  });

  it('after a restart nothing is paged twice, and a resolve still owed is sent', async () => {
    const r = await rig();
    const a = splitBrain();
    await r.tick([a]);
    expect(r.rx.requests).toHaveLength(1);
    r.restart();
    r.clock.t += 1000;
    await r.tick([a]);
    expect(r.rx.requests).toHaveLength(1);
    r.restart();
    r.clock.t += 1000;
    await r.tick([]);
    expect(r.messages().map((m) => m.alerts[0]?.status)).toEqual(['firing', 'resolved']);
    // And a new incident of the same fingerprint is news again.
    r.clock.t += 1000;
    await r.tick([splitBrain({ startsAtMs: r.clock.t, firingAtMs: r.clock.t })]);
    expect(r.messages().map((m) => m.alerts[0]?.status)).toEqual(['firing', 'resolved', 'firing']);
  });

  it('without any destination nothing counts as sent: a destination added later still gets the page', async () => {
    const r = await rig();
    let enabled = false;
    const d = new NotificationDispatcher({
      db: r.t.db,
      settings: settings(),
      silences: r.silences,
      acknowledged: () => r.acked,
      lookup: () => null,
      enqueue: (batch, group) => (enabled ? r.q.enqueue(batch, { group }) : 0),
      logger: r.log,
    });
    const a = splitBrain();
    d.tick(r.clock.t, [a]);
    enabled = true;
    r.clock.t += 1000;
    d.tick(r.clock.t, [a]);
    await r.q.settled();
    expect(r.messages().map((m) => m.alerts[0]?.fingerprint)).toEqual([a.fingerprint]);
  });
});

describe('the alerting: config block', () => {
  it('has defaults: group by cluster and alertname, 30 s wait (0 for critical), 4 h repeat, the built-in inhibit rules', () => {
    const c = validateConfig(CollectorConfig, {}, 'collector.yaml');
    expect(c.alerting).toEqual({ groupBy: ['cluster', 'alertname'], groupWaitSeconds: 10, groupWaitCriticalSeconds: 0, repeatIntervalSeconds: 14_400 });
    const s = alertingSettings(c.alerting);
    expect(s).toMatchObject({ groupWaitMs: 10_000, groupWaitCriticalMs: 0, repeatIntervalMs: 14_400_000, lateEvidenceMs: undefined });
    expect(s.inhibitRules.map((r) => r.name)).toEqual(['node-down', 'quorum-lost-resources', 'quorum-lost-info']);
  });

  it('reads YAML, and an inhibitRules list replaces the built-ins', () => {
    const c = parseConfigText(
      CollectorConfig,
      `
alerting:
  groupBy: [cluster]
  groupWaitSeconds: 5
  repeatIntervalSeconds: 3600
  lateEvidenceSeconds: 120
  inhibitRules:
    - name: drbd-down
      sourceMatchers: [{ name: alertname, value: DrbdDisconnected }]
      targetMatchers: [{ name: alertname, value: "Drbd.*", isRegex: true }]
      equal: [cluster, resource]
`,
      'collector.yaml',
    );
    const s = alertingSettings(c.alerting, 'collector.yaml');
    expect(s).toMatchObject({ groupBy: ['cluster'], groupWaitMs: 5000, repeatIntervalMs: 3_600_000, lateEvidenceMs: 120_000 });
    expect(s.inhibitRules).toEqual([
      {
        name: 'drbd-down',
        sourceMatchers: [{ name: 'alertname', value: 'DrbdDisconnected', isRegex: false, isEqual: true }],
        targetMatchers: [{ name: 'alertname', value: 'Drbd.*', isRegex: true, isEqual: true }],
        equal: ['cluster', 'resource'],
      },
    ]);
  });

  it.each([
    ['alerting:\n  groupWait: 5\n', 'alerting.groupWait: unknown key'],
    ['alerting:\n  repeatIntervalSeconds: 10\n', 'alerting.repeatIntervalSeconds'],
    ['alerting:\n  groupWaitSeconds: -1\n', 'alerting.groupWaitSeconds'],
    ['alerting:\n  groupBy: ["no-dash"]\n', 'alerting.groupBy.0'],
    ['alerting:\n  inhibitRules: [{ sourceMatchers: [], targetMatchers: [{ name: a, value: b }] }]\n', 'alerting.inhibitRules.0.sourceMatchers'],
  ])('refuses %j', (yaml, mentions) => {
    const e = (() => {
      try {
        parseConfigText(CollectorConfig, yaml, 'collector.yaml');
      } catch (x) {
        return x;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems.join('\n')).toContain(mentions);
  });

  it.each([
    [{ inhibitRules: [{ name: 'bad', sourceMatchers: [{ name: 'alertname', value: '(', isRegex: true }], targetMatchers: [{ name: 'node', value: 'x' }] }] }, 'alerting.inhibitRules[bad].sourceMatchers[0].value: not a valid regular expression'],
    [{ inhibitRules: [{ name: 'all', sourceMatchers: [{ name: 'alertname', value: 'X' }], targetMatchers: [{ name: 'node', value: '.*', isRegex: true }] }] }, 'alerting.inhibitRules[all].targetMatchers: at least one matcher must not match the empty string'],
    [{ groupBy: ['...', 'cluster'] }, 'alerting.groupBy: "..." (every label) stands alone'],
  ])('checks what the schema cannot: %j', (block, mentions) => {
    const c = validateConfig(AlertingConfig, block, 'collector.yaml');
    expect(() => alertingSettings(c, 'collector.yaml')).toThrow(ConfigError);
    try {
      alertingSettings(c, 'collector.yaml');
    } catch (e) {
      expect((e as ConfigError).file).toBe('collector.yaml');
      expect((e as ConfigError).problems.join('\n')).toContain(mentions);
    }
  });
});
