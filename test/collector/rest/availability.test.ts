// /api/v1/Availability on a real collector over a real store (availability-fixture.ts): every answer is validated
// against the OpenAPI document the collector serves, every @odata.id link is followed, and the figures are held to
// the store-backed maths and to hand formulas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN } from '../../helpers/collector.js';
import { ResponseChecker, type OpenApiDoc } from './openapi-check.js';
import { ACK_AFTER_S, startAvailabilityFixture, VIP, type AvailabilityFixture } from './availability-fixture.js';

type Json = Record<string, any>;
let fx: AvailabilityFixture;
let checker: ResponseChecker;

const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; etag: string | null }> => {
  const res = await fetch(`${fx.c.url}${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}`, ...headers } });
  const text = await res.text();
  const body = text === '' ? {} : (JSON.parse(text) as Json);
  if (res.status !== 304) expect(checker.check('GET', path, res.status, body), path).toEqual([]);
  return { status: res.status, body, etag: res.headers.get('etag') };
};
const ok = async (path: string): Promise<Json> => {
  const r = await get(path);
  expect(r.status, `${path}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
  return r.body;
};

const OBJ = (sla: string, key: string) => `/api/v1/Availability/${sla}/Objects/${encodeURIComponent(key)}`;

beforeAll(async () => {
  fx = await startAvailabilityFixture();
  const doc = (await (await fetch(`${fx.c.url}/api/v1/openapi.json`)).json()) as OpenApiDoc;
  checker = new ResponseChecker(doc);
}, 120_000);
afterAll(async () => {
  await fx?.cleanup();
});

describe('the Availability tree', () => {
  it('is linked from the service root and lists the configured SLAs', async () => {
    expect((await ok('/api/v1'))['Availability']).toEqual({ '@odata.id': '/api/v1/Availability' });
    const list = await ok('/api/v1/Availability');
    expect(list['Members']).toEqual([{ '@odata.id': '/api/v1/Availability/services' }, { '@odata.id': '/api/v1/Availability/members' }]);
    expect(list['Members@odata.count']).toBe(2);
  });

  it('the OpenAPI document describes every Availability operation with its period parameter', async () => {
    for (const t of ['/api/v1/Availability', '/api/v1/Availability/{sla}', '/api/v1/Availability/{sla}/Objects', '/api/v1/Availability/{sla}/Objects/{object}']) {
      const op = checker.doc.paths[t]?.['get'];
      expect(op, t).toBeDefined();
      expect(JSON.stringify(op?.parameters), t).toContain('"period"');
    }
  });

  it('every @odata.id reachable from /api/v1/Availability resolves, validates, and names itself', async () => {
    const seen = new Set<string>();
    const queue = ['/api/v1/Availability'];
    const links = (v: unknown, out: string[]) => {
      if (Array.isArray(v)) for (const x of v) links(x, out);
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === '@odata.id' && typeof x === 'string' ? out.push(x) : links(x, out));
    };
    let objectLinks = 0;
    while (queue.length > 0) {
      const path = queue.shift() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const body = await ok(path);
      expect(body['@odata.id'], path).toBe(path);
      if (path.includes('/Objects/') && body['Links']?.['Object'] !== null) objectLinks++;
      const found: string[] = [];
      links(body, found);
      for (const l of found) if (!seen.has(l)) queue.push(l);
    }
    // services: dummy (sb), the VIP (vr); members: sb's cluster and nodes (vr runs keepalived only: no Pacemaker cluster).
    const entries = [...seen].filter((p) => /\/Objects\/[^/]+$/.test(p)).sort();
    expect(entries).toEqual(
      [OBJ('members', 'sb~cluster~cluster'), OBJ('members', 'sb~node~n1'), OBJ('members', 'sb~node~n2'), OBJ('services', 'sb~resource~dummy'), OBJ('services', `vr~vip~${VIP}`)].sort(),
    );
    // Every entry links its live object: the cluster, both nodes, the resource and the VIP's virtual router.
    expect(objectLinks).toBe(5);
    expect([...seen].some((p) => p.startsWith('/api/v1/Clusters/vr/VirtualRouters/'))).toBe(true);
    expect(seen.has('/api/v1/Clusters/sb/Resources/dummy')).toBe(true);
    expect(seen.has('/api/v1/Clusters/sb/Nodes/n1')).toBe(true);
  });
});

describe('figures', () => {
  it('the VIP: the store-backed maths, hand formulas, and MTTA from the acknowledgement', async () => {
    const o = await ok(OBJ('services', `vr~vip~${VIP}`));
    const d = fx.direct('vip', 'vr', VIP, fx.clock.now, true).report;
    expect(o['DowntimeSeconds']).toBe(d.countedDownMs / 1000);
    expect(o['UptimeSeconds']).toBe(d.countedUpMs / 1000);
    expect(o['Incidents']).toBe(1);
    expect(o['DowntimeSeconds']).toBeGreaterThan(0);
    // Hand formulas over the answer's own numbers.
    const up = o['UptimeSeconds'] as number;
    const down = o['DowntimeSeconds'] as number;
    expect(o['AvailabilityPercent']).toBeCloseTo((100 * up) / (up + down), 9);
    expect(o['MTBFSeconds']).toBeCloseTo(up / 1, 9);
    expect(o['MTTRSeconds']).toBeCloseTo(down / 1, 9);
    // Budget: 0.1 % of the counted time so far plus the rest of the day (assumed counted).
    const rest = (fx.day.toMs - fx.clock.now) / 1000;
    expect(o['ErrorBudgetSeconds']).toBeCloseTo(0.001 * (up + down + rest), 6);
    expect(o['ErrorBudgetRemainingSeconds']).toBeCloseTo(0.001 * (up + down + rest) - down, 6);
    expect(o['BurnRate']).toBeCloseTo(down / (0.001 * (up + down)), 6);
    expect(o['ObjectivePercent']).toBeCloseTo(99.9, 9);
    expect(o['ObjectiveMet']).toBe(false);
    // The alert fired as the incident began and was acknowledged 42 s later.
    expect([o['MTTASeconds'], o['AcknowledgedIncidents']]).toEqual([ACK_AFTER_S, 1]);
    expect(o['Period']).toMatchObject({ Selector: 'current', Unit: 'day', Label: fx.day.label, TimeZone: 'UTC', Start: new Date(fx.day.fromMs).toISOString(), End: new Date(fx.day.toMs).toISOString(), EvaluatedUntil: new Date(fx.clock.now).toISOString() });
    expect(o['Status']['Health']).toBe('Warning'); // burning faster than the day allows; budget not gone yet
    expect(o['Links']['Object']['@odata.id']).toMatch(/^\/api\/v1\/Clusters\/vr\/VirtualRouters\/51$/);
    expect(o['Links']['ServiceLevel']).toEqual({ '@odata.id': '/api/v1/Availability/services' });
  });

  it("the resource under the API's maintenance window: its split brain does not count", async () => {
    const o = await ok(OBJ('services', 'sb~resource~dummy'));
    const without = fx.direct('resource', 'sb', 'dummy', fx.clock.now, false).report;
    expect(without.countedDownMs).toBeGreaterThan(0); // what the window hides
    expect([o['DowntimeSeconds'], o['Incidents'], o['AvailabilityPercent']]).toEqual([0, 0, null]);
    // The whole evaluated day is in the window.
    expect(o['MaintenanceSeconds']).toBe((fx.clock.now - fx.day.fromMs) / 1000);
    expect(o['MaintenanceWindows']).toEqual([{ Start: new Date(fx.day.fromMs).toISOString(), End: new Date(fx.day.toMs).toISOString(), Comment: 'planned split-brain drill', Source: 'api' }]);
    // The rest of the day is planned maintenance too: no budget at all.
    expect(o['ErrorBudgetSeconds']).toBe(0);
  });

  it('the SLA resource: policy, period and a summary of its objects', async () => {
    const s = await ok('/api/v1/Availability/services');
    expect(s).toMatchObject({ Id: 'services', Description: 'services of both labs', ObjectivePercent: 99.9, CountedAsDown: ['down'], DebounceSeconds: 0 });
    expect(s['CountAs']).toEqual({ Degraded: 'up', Unknown: 'excluded', Maintenance: 'excluded', SplitBrain: 'down', NoHolder: 'down' });
    expect(s['Selectors']).toEqual([{ Cluster: '*', Kind: 'resource', Id: '*' }, { Cluster: '*', Kind: 'vip', Id: '*' }]);
    const vip = await ok(OBJ('services', `vr~vip~${VIP}`));
    expect(s['Summary']).toEqual({ Objects: 2, Met: 0, Missed: 1, NoData: 1, WorstAvailabilityPercent: vip['AvailabilityPercent'], Incidents: 1, DowntimeSeconds: vip['DowntimeSeconds'] });
    expect(s['Status']['Health']).toBe('Warning');
    const week = await ok('/api/v1/Availability/members');
    expect(week['Period']).toMatchObject({ Unit: 'week', TimeZone: 'Europe/Berlin' });
    // Week 48 of 2026 starts on Monday 23 November, midnight in Berlin (UTC+1).
    expect(week['Period']['Start']).toBe('2026-11-22T23:00:00.000Z');
    expect(week['DebounceSeconds']).toBe(1);
  });

  it('?period=previous: the day before, in which nothing existed yet', async () => {
    const s = await ok('/api/v1/Availability/services?period=previous');
    expect(s['Period']).toMatchObject({ Selector: 'previous', Start: new Date(fx.day.fromMs - 86_400_000).toISOString(), End: new Date(fx.day.fromMs).toISOString() });
    expect(s['Summary']['Objects']).toBe(0);
    expect((await ok('/api/v1/Availability/services/Objects?period=previous'))['Members']).toEqual([]);
    const gone = await get(`${OBJ('services', `vr~vip~${VIP}`)}?period=previous`);
    expect([gone.status, gone.body['error']['code']]).toEqual([404, 'hawatch.rest.not_found']);
  });
});

describe('query options and errors', () => {
  it('$expand=. puts the objects in place; $select keeps named properties; $top pages and keeps period', async () => {
    const s = await ok('/api/v1/Availability/services?$expand=.');
    expect(s['Objects']['Members@odata.count']).toBe(2);
    const members = await ok('/api/v1/Availability/services/Objects?$expand=.&$select=AvailabilityPercent,MTTASeconds');
    expect(members['Members'].map((m: Json) => Object.keys(m).sort())).toEqual([
      ['@odata.id', '@odata.type', 'AvailabilityPercent', 'Id', 'MTTASeconds', 'Name'],
      ['@odata.id', '@odata.type', 'AvailabilityPercent', 'Id', 'MTTASeconds', 'Name'],
    ]);
    const page = await ok('/api/v1/Availability/services/Objects?$top=1&period=current');
    expect(page['Members']).toHaveLength(1);
    expect(page['Members@odata.nextLink']).toBe('/api/v1/Availability/services/Objects?period=current&%24skip=1&%24top=1');
    expect((await ok(page['Members@odata.nextLink']))['Members']).toHaveLength(1);
  });

  const errors: [string, number, string, string][] = [
    ['/api/v1/Availability/services?period=last', 400, 'hawatch.rest.query_option', 'period'],
    ['/api/v1/Availability/services?$filter=x', 400, 'hawatch.rest.query_option', '$filter'],
    ['/api/v1/Availability/services?from=2026-01-01', 400, 'hawatch.rest.query_option', 'from'],
    ['/api/v1/Availability/nope', 404, 'hawatch.rest.not_found', 'nope'],
    ['/api/v1/Availability/services/Objects/sb~resource~nope', 404, 'hawatch.rest.not_found', 'sb~resource~nope'],
  ];
  it.each(errors)('%s → %d %s', async (path, status, code, mentions) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.body['error']['code']).toBe(code);
    expect(r.body['error']['message']).toContain(mentions);
  });

  it('needs a read token', async () => {
    const r = await fetch(`${fx.c.url}/api/v1/Availability`);
    expect(r.status).toBe(401);
  });
});

describe('cache and ETag', () => {
  it('figures are reused for 10 s (same ETag, 304), then recomputed at the new time', async () => {
    const path = OBJ('services', `vr~vip~${VIP}`);
    const first = await get(path);
    const t0 = fx.clock.now;
    fx.clock.now = t0 + 9_000; // still within the cache's age: the same representation
    const again = await get(path);
    expect(again.etag).toBe(first.etag);
    expect(again.body['ComputedAt']).toBe(first.body['ComputedAt']);
    expect((await get(path, { 'if-none-match': first.etag as string })).status).toBe(304);
    fx.clock.now = t0 + 10_000; // old enough: recomputed, evaluated up to the new now
    const later = await get(path);
    expect(later.status).toBe(200);
    expect(later.etag).not.toBe(first.etag);
    expect(later.body['ComputedAt']).toBe(new Date(t0 + 10_000).toISOString());
    expect(later.body['Period']['EvaluatedUntil']).toBe(new Date(t0 + 10_000).toISOString());
    // 10 s more of the VIP held by one node: 10 s more up time, the same down time.
    expect(later.body['UptimeSeconds']).toBeCloseTo((first.body['UptimeSeconds'] as number) + 10, 6);
    expect(later.body['DowntimeSeconds']).toBe(first.body['DowntimeSeconds']);
    expect((await get(path, { 'if-none-match': first.etag as string })).status).toBe(200);
    fx.clock.now = t0;
  });
});
