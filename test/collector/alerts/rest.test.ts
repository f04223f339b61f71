// The alerting REST resources on a real collector: AlertService, Silences (create, read, expire, the 400s, roles),
// and a silence muting a real recorded split brain until it is expired. Every JSON answer is validated against the
// OpenAPI document the collector serves (ajv, draft 2020-12), as test/collector/rest does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, push, READ_TOKEN, startTestCollector, type TestCollector } from '../../helpers/collector.js';
import { waitFor } from '../../helpers/processes.js';
import { ResponseChecker, type OpenApiDoc } from '../rest/openapi-check.js';
import { DURING_SPLIT_MS, probeBatch, splitTimeline, vrrpAt } from '../snmp/reports.js';
import { startReceiver, type Receiver } from './notify/helpers.js';

type Json = Record<string, any>;

let c: TestCollector;
let rx: Receiver;
let doc: OpenApiDoc;
let checker: ResponseChecker;
const MINE = /^\/api\/v1\/(Alerts|AlertService)/;

const call = async (method: string, path: string, opts: { token?: string | null; body?: unknown; contentType?: string } = {}) => {
  const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${c.url}${path}`, { method, headers, ...(opts.body === undefined ? {} : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }) });
  const text = await res.text();
  const body = text !== '' && /json/.test(res.headers.get('content-type') ?? '') ? (JSON.parse(text) as Json) : {};
  // Every answer of the alerting routes, errors included, must match what the document says of it.
  if (MINE.test(path) && text !== '') expect(checker.check(method, path, res.status, body), `${method} ${path} ${res.status}`).toEqual([]);
  return { status: res.status, headers: res.headers, body, text };
};

beforeAll(async () => {
  rx = await startReceiver();
  c = await startTestCollector({ notifiers: [{ type: 'webhook', name: 'oncall', url: `${rx.url}/page` }], delivery: { backoffInitialSeconds: 0.1, backoffMaxSeconds: 1 } });
  doc = (await (await fetch(`${c.url}/api/v1/openapi.json`)).json()) as OpenApiDoc;
  checker = new ResponseChecker(doc);
});
afterAll(async () => {
  await c?.cleanup();
  await rx?.close();
});

const in1h = () => new Date(Date.now() + 3600_000).toISOString();

describe('the document describes the alerting routes', () => {
  it('has every operation with response schemas from collector/alerts/schemas.ts', () => {
    const ops = Object.entries(doc.paths)
      .filter(([p]) => MINE.test(p))
      .flatMap(([p, o]) => Object.entries(o).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`))
      .sort();
    expect(ops).toEqual([
      'DELETE /api/v1/AlertService/Silences/{silence} expireSilence',
      'GET /api/v1/AlertService getAlertService',
      'GET /api/v1/AlertService/Silences listSilences',
      'GET /api/v1/AlertService/Silences/{silence} getSilence',
      'GET /api/v1/Alerts listAlerts',
      'GET /api/v1/Alerts/{fingerprint} getAlert',
      'POST /api/v1/AlertService/Silences createSilence',
      'POST /api/v1/Alerts/{fingerprint}/Actions/HawatchAlert.Acknowledge acknowledgeAlert',
    ]);
    for (const id of ['HawatchAlert', 'HawatchAlertCollection', 'HawatchSilence', 'HawatchSilenceCollection', 'HawatchAlertService']) {
      expect(doc.components.schemas[id], id).toBeDefined();
    }
    expect(checker.schemaFor('POST', '/api/v1/AlertService/Silences', 201)).toEqual({ $ref: '#/components/schemas/HawatchSilence' });
  });
});

describe('AlertService and Silences', () => {
  it('the service root links the AlertService, which links Alerts and Silences and shows grouping and inhibition', async () => {
    const root = await call('GET', '/api/v1');
    expect(root.body['AlertService']).toEqual({ '@odata.id': '/api/v1/AlertService' });
    const svc = await call('GET', '/api/v1/AlertService', { token: READ_TOKEN });
    expect(svc.status).toBe(200);
    expect(svc.body).toMatchObject({
      Id: 'AlertService',
      Alerts: { '@odata.id': '/api/v1/Alerts' },
      Silences: { '@odata.id': '/api/v1/AlertService/Silences' },
      Grouping: { GroupBy: ['cluster', 'alertname'], GroupWaitSeconds: 10, GroupWaitCriticalSeconds: 0, RepeatIntervalSeconds: 14_400 },
      LateEvidenceSeconds: null,
    });
    expect(svc.body['InhibitRules'].map((r: Json) => r.Name)).toEqual(['node-down', 'quorum-lost-resources', 'quorum-lost-info']);
  });

  it('creates (admin), reads and expires a silence; expired ones stay listed', async () => {
    const created = await call('POST', '/api/v1/AlertService/Silences', {
      body: { Kind: 'maintenance', Matchers: [{ Name: 'cluster', Value: 'db-prod' }, { Name: 'node', Value: 'db[12]', IsRegex: true }], DurationSeconds: 7200, Comment: 'kernel update\nticket 42' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body['Id'] as string;
    expect(created.headers.get('location')).toBe(`/api/v1/AlertService/Silences/${id}`);
    expect(created.body).toMatchObject({
      '@odata.id': `/api/v1/AlertService/Silences/${id}`,
      Name: 'maintenance window: kernel update',
      Kind: 'maintenance',
      Matchers: [
        { Name: 'cluster', Value: 'db-prod', IsRegex: false, IsEqual: true },
        { Name: 'node', Value: 'db[12]', IsRegex: true, IsEqual: true },
      ],
      CreatedBy: 'ops',
      State: 'Active',
      Status: { State: 'Enabled', Health: 'OK', HealthRollup: 'OK' },
    });
    expect(Date.parse(created.body['EndsAt']) - Date.parse(created.body['StartsAt'])).toBe(7200_000);
    const one = await call('GET', `/api/v1/AlertService/Silences/${id}`, { token: READ_TOKEN });
    expect(one.body).toEqual(created.body);
    const later = await call('POST', '/api/v1/AlertService/Silences', {
      body: { Matchers: [{ Name: 'alertname', Value: 'ProbeFailing' }], StartsAt: in1h(), EndsAt: new Date(Date.now() + 7200_000).toISOString(), Comment: 'planned' },
    });
    expect(later.body).toMatchObject({ Kind: 'silence', State: 'Pending', Status: { State: 'Disabled' } });
    const list = await call('GET', '/api/v1/AlertService/Silences', { token: READ_TOKEN });
    expect(list.body['Members'].map((m: Json) => m.Id).slice(0, 2)).toEqual([later.body['Id'], id]);
    expect((await call('GET', '/api/v1/AlertService', { token: READ_TOKEN })).body['ActiveSilences']).toBeGreaterThanOrEqual(1);

    const gone = await call('DELETE', `/api/v1/AlertService/Silences/${id}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ Id: id, State: 'Expired', Status: { State: 'Disabled' } });
    expect(Date.parse(gone.body['EndsAt'])).toBeLessThanOrEqual(Date.now());
    expect((await call('GET', `/api/v1/AlertService/Silences/${id}`)).body['State']).toBe('Expired');
    expect((await call('GET', '/api/v1/AlertService/Silences')).body['Members'].some((m: Json) => m.Id === id)).toBe(true);
    // The stored row is what the SLA module reads: the agreed matcher JSON.
    const row = c.db.prepare('SELECT kind, matchers FROM silences WHERE id = ?').get(id) as { kind: string; matchers: string };
    expect(row.kind).toBe('maintenance');
    expect(JSON.parse(row.matchers)).toEqual([
      { name: 'cluster', value: 'db-prod', isRegex: false, isEqual: true },
      { name: 'node', value: 'db[12]', isRegex: true, isEqual: true },
    ]);
  });

  it.each([
    [{ Matchers: [{ Name: 'node', Value: 'n(1', IsRegex: true }], EndsAt: 'in1h', Comment: 'x' }, 'Matchers[0].value: not a valid regular expression'],
    [{ Matchers: [{ Name: 'node', Value: 'n1' }], StartsAt: 'in1h', EndsAt: new Date(Date.now() + 60_000).toISOString(), Comment: 'x' }, 'is not after StartsAt'],
    [{ Matchers: [], EndsAt: 'in1h', Comment: 'x' }, 'at least one matcher is needed'],
    [{ Matchers: [{ Name: 'cluster', Value: '.*', IsRegex: true }], EndsAt: 'in1h', Comment: 'x' }, 'must not match the empty string'],
    [{ Matchers: [{ Name: 'node', Value: 'n1' }], Comment: 'x' }, 'give either EndsAt or DurationSeconds'],
    [{ Matchers: [{ Name: 'node', Value: 'n1' }], EndsAt: 'yesterday', Comment: 'x' }, 'EndsAt'],
    [{ Matchers: [{ Name: 'node', Value: 'n1' }], EndsAt: 'in1h' }, 'does not match the schema'],
  ])('400 with a clear message: %j', async (raw, mentions) => {
    const body = JSON.parse(JSON.stringify(raw).replaceAll('"in1h"', JSON.stringify(in1h()))) as Json;
    const r = await call('POST', '/api/v1/AlertService/Silences', { body });
    expect(r.status, r.text).toBe(400);
    expect(r.body['error'].code).toBe('hawatch.request.invalid');
    expect(`${r.body['error'].message} ${JSON.stringify(r.body['error']['@Message.ExtendedInfo'])}`).toContain(mentions);
  });

  it('roles: reads need read, writes need admin; a body that is not JSON is 415; unknown ids are 404', async () => {
    const body = { Matchers: [{ Name: 'node', Value: 'n1' }], DurationSeconds: 60, Comment: 'x' };
    expect((await call('POST', '/api/v1/AlertService/Silences', { body, token: READ_TOKEN })).status).toBe(403);
    expect((await call('POST', '/api/v1/AlertService/Silences', { body, token: null })).status).toBe(401);
    expect((await call('GET', '/api/v1/AlertService/Silences', { token: null })).status).toBe(401);
    expect((await call('POST', '/api/v1/AlertService/Silences', { body: 'node=n1', contentType: 'text/plain' })).status).toBe(415);
    expect((await call('DELETE', '/api/v1/AlertService/Silences/nope', { token: READ_TOKEN })).status).toBe(403);
    expect((await call('DELETE', '/api/v1/AlertService/Silences/nope')).status).toBe(404);
    expect((await call('GET', '/api/v1/AlertService/Silences/nope')).status).toBe(404);
  });
});

describe('a silence on a real split brain', () => {
  it('mutes it (SilencedBy in the alert, nothing paged) until it is expired; then it pages', async () => {
    const timeline = splitTimeline();
    const s = await call('POST', '/api/v1/AlertService/Silences', {
      body: { Matchers: [{ Name: 'cluster', Value: 'silab' }, { Name: 'alertname', Value: 'Vrrp.*', IsRegex: true }], DurationSeconds: 3600, Comment: 'keepalived lab' },
    });
    expect(s.status).toBe(201);
    let seq = 0;
    const pushBoth = async () => {
      seq++;
      for (const node of ['node-a', 'node-b']) expect((await push(c.url, probeBatch('silab', node, seq, Date.now(), { vrrp: vrrpAt(timeline, node, DURING_SPLIT_MS) }, 5_000))).status).toBe(200);
    };
    await pushBoth();
    const alert = await waitFor(
      'the split brain firing',
      async () => {
        await pushBoth();
        const list = await call('GET', '/api/v1/Alerts', { token: READ_TOKEN });
        return (list.body['Members'] as Json[]).find((m) => m['Rule'] === 'VrrpSplitBrain' && m['AlertStatus'] === 'firing' && (m['Labels'] as Json)['vrid'] !== undefined && m['Cluster']['@odata.id'] === '/api/v1/Clusters/silab');
      },
      15_000,
      300,
    );
    expect(alert['SilencedBy']).toEqual([s.body['Id']]);
    expect(alert['InhibitedBy']).toEqual([]);
    const one = await call('GET', `/api/v1/Alerts/${alert['Id']}`, { token: READ_TOKEN });
    expect(one.body['SilencedBy']).toEqual([s.body['Id']]);
    expect(one.body['History'].map((h: Json) => h.To)).toEqual(['pending', 'firing']);
    await new Promise((r) => setTimeout(r, 1200)); // a few evaluation ticks
    expect(rx.requests.filter((r) => JSON.stringify(r.body).includes('silab'))).toEqual([]);

    const t0 = Date.now();
    expect((await call('DELETE', `/api/v1/AlertService/Silences/${s.body['Id']}`)).status).toBe(200);
    const page = await waitFor('the page after the silence ended', () => rx.requests.find((r) => JSON.stringify(r.body).includes('silab')), 5_000, 20);
    console.log(`silence expired → webhook page in ${Date.now() - t0} ms`);
    expect(page.body).toMatchObject({ status: 'firing', groupLabels: { alertname: 'VrrpSplitBrain', cluster: 'silab' } });
    expect((await call('GET', `/api/v1/Alerts/${alert['Id']}`)).body['SilencedBy']).toEqual([]);
  }, 30_000);
});
