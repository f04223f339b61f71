// Acknowledging alerts: through the REST action on a real collector fed with keepalived's recorded split brain, and
// in the store (an acknowledgement belongs to one incident; MTTA reads acked_ms).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../../collector/alerts/engine.js';
import { ADMIN_TOKEN, push, READ_TOKEN, startTestCollector, type TestCollector } from '../../helpers/collector.js';
import { waitFor } from '../../helpers/processes.js';
import { ResponseChecker, type OpenApiDoc } from '../rest/openapi-check.js';
import { AFTER_HEAL_MS, DURING_SPLIT_MS, probeBatch, splitTimeline, vrrpAt } from '../snmp/reports.js';
import { makeAlert, tempDb, T0, type TempDb } from './notify/helpers.js';

type Json = Record<string, any>;

describe('POST /api/v1/Alerts/{fingerprint}/Actions/HawatchAlert.Acknowledge', () => {
  let c: TestCollector;
  let checker: ResponseChecker;
  const timeline = splitTimeline();
  let seq = 0;
  const pushBoth = async (t: number) => {
    seq++;
    for (const node of ['node-a', 'node-b']) expect((await push(c.url, probeBatch('acklab', node, seq, Date.now(), { vrrp: vrrpAt(timeline, node, t) }, 5_000))).status).toBe(200);
  };
  const call = async (method: string, path: string, token: string | null = ADMIN_TOKEN) => {
    const res = await fetch(`${c.url}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as Json;
    expect(checker.check(method, path, res.status, body), `${method} ${path}`).toEqual([]);
    return { status: res.status, body };
  };
  const ack = (fp: string, token: string | null = ADMIN_TOKEN) => call('POST', `/api/v1/Alerts/${fp}/Actions/HawatchAlert.Acknowledge`, token);

  beforeAll(async () => {
    c = await startTestCollector();
    checker = new ResponseChecker((await (await fetch(`${c.url}/api/v1/openapi.json`)).json()) as OpenApiDoc);
  });
  afterAll(async () => {
    await c?.cleanup();
  });

  it('acknowledges a firing alert once (admin); the first acknowledgement stands; pending and resolved ones are 409', async () => {
    const firing = await waitFor(
      'the split brain firing',
      async () => {
        await pushBoth(DURING_SPLIT_MS);
        return ((await call('GET', '/api/v1/Alerts', READ_TOKEN)).body['Members'] as Json[]).find((m) => m['Rule'] === 'VrrpSplitBrain' && m['AlertStatus'] === 'firing');
      },
      15_000,
      300,
    );
    expect(firing['AcknowledgedAt']).toBeNull();
    const fp = firing['Id'] as string;
    expect(firing['Actions']).toEqual({ '#HawatchAlert.Acknowledge': { target: `/api/v1/Alerts/${fp}/Actions/HawatchAlert.Acknowledge` } });
    expect((await ack(fp, READ_TOKEN)).status).toBe(403);
    expect((await ack(fp, null)).status).toBe(401);
    const before = Date.now();
    const first = await ack(fp);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ Id: fp, AcknowledgedBy: 'ops', AlertStatus: 'firing' });
    expect(Date.parse(first.body['AcknowledgedAt'])).toBeGreaterThanOrEqual(before - 5);
    const again = await ack(fp);
    expect(again.status).toBe(200);
    expect(again.body['AcknowledgedAt']).toBe(first.body['AcknowledgedAt']);
    expect((await call('GET', `/api/v1/Alerts/${fp}`, READ_TOKEN)).body['AcknowledgedBy']).toBe('ops');
    // What the SLA module reads for MTTA.
    expect(c.db.prepare('SELECT acked_ms, acked_by FROM alerts WHERE fingerprint = ?').get(fp)).toEqual({ acked_ms: Date.parse(first.body['AcknowledgedAt']), acked_by: 'ops' });

    expect((await ack('0000000000000000')).status).toBe(404);
    // After the heal the alert is resolved: nothing left to acknowledge.
    await waitFor(
      'the resolve',
      async () => {
        await pushBoth(AFTER_HEAL_MS);
        return (await call('GET', `/api/v1/Alerts/${fp}`, READ_TOKEN)).body['AlertStatus'] === 'resolved' ? true : undefined;
      },
      15_000,
      300,
    );
    const late = await ack(fp);
    expect(late.status).toBe(409);
    expect(late.body['error']).toMatchObject({ code: 'hawatch.alerts.not_firing' });
    expect(late.body['error'].message).toContain('is resolved');
  }, 40_000);
});

describe('AlertStore acknowledgements', () => {
  let t: TempDb;
  afterEach(() => t?.cleanup());

  it('belong to one incident: the same fingerprint starting again is unacknowledged; pending cannot be acknowledged', () => {
    t = tempDb();
    const store = new AlertStore(t.db);
    const pending = makeAlert({ status: 'pending', firingAtMs: null });
    store.save([{ alert: pending, from: null, to: 'pending' }]);
    expect(store.ack(pending.fingerprint, 'ops', T0)).toMatchObject({ ok: false, reason: 'not_firing' });
    const firing = makeAlert();
    store.save([{ alert: firing, from: 'pending', to: 'firing' }]);
    expect(store.ack(firing.fingerprint, 'ops', T0 + 60_000)).toMatchObject({ ok: true, already: false, alert: { ackedAtMs: T0 + 60_000, ackedBy: 'ops' } });
    expect(store.acknowledged()).toEqual(new Set([firing.fingerprint]));
    // Resolving keeps the acknowledgement (MTTA of that incident) ...
    store.save([{ alert: { ...firing, status: 'resolved', endsAtMs: T0 + 120_000, updatedAtMs: T0 + 120_000 }, from: 'firing', to: 'resolved' }]);
    expect(store.get(firing.fingerprint)).toMatchObject({ status: 'resolved', ackedAtMs: T0 + 60_000, ackedBy: 'ops' });
    expect(store.acknowledged().size).toBe(0);
    // ... and a new incident of the same problem starts unacknowledged.
    const again = makeAlert({ status: 'pending', startsAtMs: T0 + 600_000, firingAtMs: null, updatedAtMs: T0 + 600_000 });
    store.save([{ alert: again, from: 'resolved', to: 'pending' }]);
    expect(store.get(firing.fingerprint)).toMatchObject({ status: 'pending', ackedAtMs: null, ackedBy: null });
    expect(store.ack('nope', 'ops', T0)).toEqual({ ok: false, reason: 'not_found', alert: null });
  });
});
