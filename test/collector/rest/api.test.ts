// The REST API of a real collector on an ephemeral port, fed with real recordings through the real ingest route.
// Every answer is validated against the OpenAPI document the collector serves (ajv, draft 2020-12).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_TOKEN, AGENT_TOKEN, READ_TOKEN, startTestCollector, type TestCollector } from '../../helpers/collector.js';
import { eventsPageSql, eventsCountSql, eventsWhere } from '../../../collector/rest/events.js';
import { parseFilter } from '../../../collector/rest/filter.js';
import { SHARED_SCHEMAS } from '../../../collector/rest/schemas.js';
import { VIEWS } from '../../../collector/rest/api.js';
import { MAX_SUBSCRIPTIONS } from '../../../collector/rest/subscriptions.js';
import { parseIscsiadmSession } from '../../../agent/probes/iscsi/parse.js';
import { iscsiSamples, iscsiStates } from '../../../agent/probes/iscsi/observe.js';
import { ResponseChecker, type OpenApiDoc } from './openapi-check.js';
import { feedDrbdStatus, feedPacemakerFixture, feedPacemakerScenario, feedVrrpScenario, haveDrbdFixture, Outbox, ROOT, SHARED_FIXTURES } from './feed.js';

// Answers are checked against the document by ajv; the tests then read them freely.
type Json = Record<string, any>;

let c: TestCollector;
let doc: OpenApiDoc;
let checker: ResponseChecker;
let hwlabOrigin = 0;

const ISCSI_FIXTURE = join(SHARED_FIXTURES, 'iscsi', 'collected', 'open-iscsi-README__iscsiadm_-m_session_-P_1.excerpt.txt');
const HAVE_ISCSI = existsSync(ISCSI_FIXTURE);

// Paths served by the views of collector/rest: their answers must all have a schema in the document.
const OURS = new Set([...VIEWS.map((v) => v.url.replace(/:([A-Za-z]+)/g, '{$1}'))]);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

/** One request; a JSON answer is validated against the served document whenever the document has a schema for it. */
const call = async (method: string, path: string, opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> => {
  const token = opts.token === undefined ? READ_TOKEN : opts.token;
  const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const init: RequestInit = { method, headers };
  if (opts.body !== undefined) init.body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await fetch(`${c.url}${path}`, init);
  const text = await res.text();
  const json = /application\/json/.test(res.headers.get('content-type') ?? '') && text !== '';
  const body = json ? (JSON.parse(text) as Json) : {};
  const template = checker ? checker.templateOf(path) : null;
  // Paths outside the document (the not-found handler, the document itself) have nothing to validate against.
  if (json && template !== null) {
    const problems = checker.check(method, path, res.status, body);
    const mustHaveSchema = template !== null && OURS.has(template);
    if (mustHaveSchema || !problems.some((p) => p.includes('declares no JSON schema'))) expect(problems, `${method} ${path}`).toEqual([]);
  }
  return { status: res.status, headers: res.headers, text, body };
};

const ok = async (path: string): Promise<Json> => {
  const r = await call('GET', path);
  expect(r.status, `${path}: ${r.text.slice(0, 400)}`).toBe(200);
  return r.body;
};

const expectError = (r: Answer, status: number, code: string, mentions?: string) => {
  expect(r.status, r.text).toBe(status);
  expect(r.body['error']?.code, r.text).toBe(code);
  expect(Array.isArray(r.body['error']?.['@Message.ExtendedInfo'])).toBe(true);
  expect(r.text).not.toMatch(/at .*\.(ts|js):\d+/);
  if (mentions !== undefined) expect(r.body['error'].message).toContain(mentions);
};

beforeAll(async () => {
  c = await startTestCollector();
  // Real Pacemaker + corosync recordings, replayed through the agent's probes and pushed to /api/v1/ingest.
  hwlabOrigin = (await feedPacemakerScenario(c.url, 'pcmk3-partition-node3', 'hwlab', 12_000)).origin; // n3 cut off: two DCs, one quorate
  await feedPacemakerScenario(c.url, 'pcmk2-split-brain', 'sb', 12_000); // two quorate DCs, dummy on both
  await feedPacemakerScenario(c.url, 'pcmk3-resource-fail', 'rf', 10_000); // dummy failed once on n1
  await feedVrrpScenario(c.url, 'vrrp-split-brain-port', 'vrlab', 8_000); // two MASTERs holding the VIP
  await feedPacemakerFixture(c.url, 'live-08-node3-crashed-fencing-failing', 'fx08');
  await feedPacemakerFixture(c.url, 'sim-2node-11-unmanaged-group-failed', 'fx11');
  await feedPacemakerFixture(c.url, 'live-13-cluster-not-running', 'fx13', 'node1');
  if (haveDrbdFixture()) await feedDrbdStatus(c.url, 'drlab', 'd1');
  if (HAVE_ISCSI) {
    const parsed = parseIscsiadmSession(readFileSync(ISCSI_FIXTURE, 'utf8'));
    if (!parsed.ok) throw parsed.error;
    const at = Date.now();
    await new Outbox('sanlab', 's1', randomUUID()).send(
      c.url,
      [{ probe: 'iscsi', at, durationMs: 3, status: 'ok', report: parsed.value, samples: iscsiSamples(parsed.value), states: iscsiStates(parsed.value) }],
      at,
    );
  }
  // One destination, so that the walk meets a subscription too.
  const seeded = await fetch(`${c.url}/api/v1/EventService/Subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Protocol: 'webhook', Destination: 'http://127.0.0.1:9/seed', Name: 'seed' }),
  });
  expect(seeded.status).toBe(201);
  const res = await fetch(`${c.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDoc;
  checker = new ResponseChecker(doc);
}, 120_000);

afterAll(async () => {
  await c?.cleanup();
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (real validator)', async () => {
    const v = new Validator();
    const res = await v.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(res.errors ?? [], JSON.stringify(res.errors)).toEqual([]);
    expect(res.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('is generated from the schemas fastify serializes with', () => {
    for (const s of SHARED_SCHEMAS) {
      const id = (s as unknown as { $id: string }).$id;
      const component = doc.components.schemas[id];
      expect(component, id).toBeDefined();
      expect(Object.keys(component?.properties ?? {}).sort(), id).toEqual(Object.keys(s.properties).sort());
      expect([...(component?.required ?? [])].sort(), id).toEqual([...((s as { required?: string[] }).required ?? [])].sort());
    }
    for (const v of VIEWS) {
      const template = v.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths[template]?.['get'];
      expect(op?.operationId, template).toBe(v.operationId);
      expect(op?.responses['200']?.content?.['application/json']?.schema, template).toEqual({ $ref: `#/components/schemas/${v.schema}` });
    }
  });

  it('is served with a browsable docs page', async () => {
    const page = await fetch(`${c.url}/api/v1/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger-ui/i);
    // The page loads the same document.
    const fromUi = await fetch(`${c.url}/api/v1/docs/json`);
    expect(fromUi.status).toBe(200);
    expect(await fromUi.json()).toEqual(doc);
  });

  it('lints clean with Redocly CLI (recommended rules)', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc, null, 2));
      const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [cli, 'lint', file, '--format=json'],
          // No telemetry or update check: the linter must run offline.
          { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, timeout: 60_000, cwd: dir },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      const start = out.stdout.indexOf('{');
      if (start < 0 && /ENOTFOUND|EAI_AGAIN|fetch failed|network/i.test(out.stderr)) {
        console.warn(`redocly lint skipped: it could not run offline: ${out.stderr.slice(0, 300)}`);
        ctx.skip();
        return;
      }
      const report = JSON.parse(out.stdout.slice(start)) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
      const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(out.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('walking the tree by links alone', () => {
  it('reaches every resource from /api/v1; no link 404s; every resource has the common properties', async () => {
    const seen = new Set<string>();
    const queue = ['/api/v1'];
    const links = (v: unknown, out: string[]) => {
      if (Array.isArray(v)) for (const x of v) links(x, out);
      else if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '@odata.id' && typeof x === 'string') out.push(x);
          else links(x, out);
        }
      }
    };
    const kinds = new Set<string>();
    while (queue.length > 0) {
      const path = queue.shift() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const body = await ok(path);
      expect(body['@odata.id'], path).toBe(path);
      const template = checker.templateOf(path) as string;
      kinds.add(template);
      if (OURS.has(template)) {
        expect(typeof body['@odata.type']).toBe('string');
        if (Array.isArray(body['Members'])) {
          expect(body['Members@odata.count'], path).toBeGreaterThanOrEqual(body['Members'].length);
        } else {
          for (const k of ['Id', 'Name', 'cimClass']) expect(typeof body[k], `${path} ${k}`).toBe('string');
          expect(Object.keys(body['Status']).sort(), path).toEqual(['Health', 'HealthRollup', 'State']);
        }
        // Without $select every declared property is there (only a next-page link is optional).
        const schemaId = /#\/components\/schemas\/(\w+)/.exec(JSON.stringify(checker.schemaFor('GET', template, 200)))?.[1] as string;
        const declared = Object.keys(doc.components.schemas[schemaId]?.properties ?? {}).filter((k) => k !== 'Members@odata.nextLink');
        expect(Object.keys(body).filter((k) => k !== 'Members@odata.nextLink').sort(), path).toEqual(declared.sort());
      }
      const found: string[] = [];
      links(body, found);
      for (const l of found) if (!seen.has(l)) queue.push(l);
    }
    // The walk saw every kind of resource the tree has (the recordings and fixtures cover them all).
    const expected = [...OURS].filter((t) => (t.includes('ReplicatedVolumes/') ? haveDrbdFixture() : t.includes('StorageSessions/') ? HAVE_ISCSI : true));
    for (const t of expected) expect([...kinds], t).toContain(t);
    expect([...kinds]).toContain('/api/v1/Alerts');
    console.info(`walked ${seen.size} resources over ${kinds.size} paths`);
  }, 120_000);
});

describe('what the views say about the recorded clusters', () => {
  it('a partition: two DCs, one with quorum; n3 offline to its peers; n3 sees the resource stopped', async () => {
    const cl = await ok('/api/v1/Clusters/hwlab');
    expect(cl['Pacemaker'].DesignatedControllers).toEqual([
      { Name: 'n1', WithQuorum: true, ReportedBy: ['n1', 'n2'] },
      { Name: 'n3', WithQuorum: false, ReportedBy: ['n3'] },
    ]);
    expect(cl['Partitions'].map((p: Json) => [p.DesignatedController['@odata.id'], p.WithQuorum, p.Members.length])).toEqual([
      ['/api/v1/Clusters/hwlab/Nodes/n1', true, 2],
      ['/api/v1/Clusters/hwlab/Nodes/n3', false, 1],
    ]);
    expect(cl['Quorum']).toMatchObject({ Quorate: true, Source: 'corosync', Votes: { ExpectedVotes: 3, TotalVotes: 2, QuorumVotes: 2 } });
    expect(cl['Partitions'][1].Votes).toMatchObject({ Quorate: false, TotalVotes: 1 });
    expect(cl['Status'].Health).toBe('Warning');
    expect(cl['Status'].HealthRollup).toBe('Critical');
    const n3 = await ok('/api/v1/Clusters/hwlab/Nodes/n3');
    expect(n3['Pacemaker'].SeenBy).toEqual({ n1: 'offline', n2: 'offline', n3: 'online' });
    expect(n3['Status']).toMatchObject({ Health: 'Critical' });
    expect(n3['Agent'].State).toBe('up');
    const dummy = await ok('/api/v1/Clusters/hwlab/Resources/dummy');
    expect(dummy).toMatchObject({ Role: 'Started', ResourceAgent: 'ocf:pacemaker:Dummy', ReportedBy: { '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n1' } });
    expect(dummy['Links'].Nodes).toEqual([{ '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n1' }]);
    expect(dummy['Disagreements']).toEqual([{ ReportedBy: { '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n3' }, Present: true, Role: 'Stopped', Nodes: [], Failed: false, Managed: true }]);
  });

  it('a split brain: two quorate DCs, the resource active on both sides', async () => {
    const cl = await ok('/api/v1/Clusters/sb');
    expect(cl['Status'].Health).toBe('Critical');
    expect(cl['StatusReasons'].join()).toMatch(/2 partitions each have a DC with quorum/);
    const dummy = await ok('/api/v1/Clusters/sb/Resources/dummy');
    expect(dummy['Links'].Nodes).toEqual([{ '@odata.id': '/api/v1/Clusters/sb/Nodes/n1' }]);
    expect(dummy['Disagreements']).toEqual([
      { ReportedBy: { '@odata.id': '/api/v1/Clusters/sb/Nodes/n2' }, Present: true, Role: 'Started', Nodes: [{ '@odata.id': '/api/v1/Clusters/sb/Nodes/n2' }], Failed: false, Managed: true },
    ]);
    expect(dummy['Status'].Health).toBe('Warning');
  });

  it('a failed monitor: the fail count on the node, as a link', async () => {
    const dummy = await ok('/api/v1/Clusters/rf/Resources/dummy');
    expect(dummy['FailCount']).toBe(1);
    expect(dummy['FailCounts']).toEqual([{ Node: { '@odata.id': '/api/v1/Clusters/rf/Nodes/n1' }, FailCount: 1, MigrationThreshold: 1000000 }]);
    expect(dummy['StatusReasons']).toContain('fail count 1 on n1');
  });

  it('nodes without an agent are served from their peers\' reports; a stack that is down says so', async () => {
    const cl = await ok('/api/v1/Clusters/fx08');
    expect(cl['Nodes@odata.count']).toBe(1);
    expect(cl['UnmonitoredNodes'].length).toBeGreaterThan(0);
    for (const l of cl['UnmonitoredNodes'] as Json[]) {
      const n = await ok(l['@odata.id']);
      expect(n['Agent']).toBeNull();
      expect(Object.keys(n['Pacemaker'].SeenBy).length).toBeGreaterThan(0);
    }
    const n13 = await ok('/api/v1/Clusters/fx13/Nodes/node1');
    expect(n13['Pacemaker'].SeenBy).toEqual({ node1: 'cluster-stack-down' });
    const res13 = await ok('/api/v1/Clusters/fx13/Resources');
    expect(res13).toMatchObject({ Members: [], 'Members@odata.count': 0, Description: 'No fresh member reports a running Pacemaker.' });
    const fx11 = await ok('/api/v1/Clusters/fx11/Resources?$expand=.');
    const bad = (fx11['Members'] as Json[]).filter((r) => r['Status'].Health !== 'OK');
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.some((r) => r['Managed'] === false)).toBe(true);
  });

  it('VRRP: two MASTERs and the VIP on two nodes is Critical', async () => {
    const vr = await ok('/api/v1/Clusters/vrlab/VirtualRouters/51');
    expect(vr['Masters'].map((l: Json) => l['@odata.id'])).toEqual(['/api/v1/Clusters/vrlab/Nodes/node-a', '/api/v1/Clusters/vrlab/Nodes/node-b']);
    expect(vr['VirtualAddresses']).toEqual([
      { Address: '10.213.0.100', Family: 'inet', HeldBy: [{ '@odata.id': '/api/v1/Clusters/vrlab/Nodes/node-a' }, { '@odata.id': '/api/v1/Clusters/vrlab/Nodes/node-b' }] },
    ]);
    expect(vr['Status'].Health).toBe('Critical');
  });

  it.skipIf(!haveDrbdFixture())('DRBD: replicas, peers and disk states from a collected drbdsetup status --json', async () => {
    const vols = await ok('/api/v1/Clusters/drlab/ReplicatedVolumes?$expand=.');
    expect(vols['Members@odata.count']).toBeGreaterThan(0);
    const first = vols['Members'][0] as Json;
    expect(first['Replicas'][0]).toMatchObject({ Node: { '@odata.id': '/api/v1/Clusters/drlab/Nodes/d1' }, Role: 'Secondary' });
    expect(first['Replicas'][0].Peers[0]).toMatchObject({ ConnectionState: 'Connected', PeerRole: 'Primary', PeerNode: null });
  });

  it.skipIf(!HAVE_ISCSI)('iSCSI: sessions by target from collected iscsiadm output', async () => {
    const ss = await ok('/api/v1/Clusters/sanlab/StorageSessions?$expand=.');
    expect(ss['Members@odata.count']).toBeGreaterThan(0);
    const first = ss['Members'][0] as Json;
    expect(first['Id']).toMatch(/^iqn\./);
    expect(first['LoggedIn']).toEqual([{ '@odata.id': '/api/v1/Clusters/sanlab/Nodes/s1' }]);
  });
});

describe('query options', () => {
  it('$expand=. expands sub-collections and members, not Links; ~ only Links; * both', async () => {
    const dot = await ok('/api/v1/Clusters/hwlab?$expand=.');
    expect(dot['Nodes']['Members@odata.count']).toBe(3);
    expect(dot['Nodes']['Members'][0]).toEqual({ '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n1' }); // one level only
    expect(dot['Events']['@odata.type']).toBe('#HawatchEventCollection.HawatchEventCollection');
    const node = await ok('/api/v1/Clusters/hwlab/Nodes/n1?$expand=.');
    expect(node['Links'].Cluster).toEqual({ '@odata.id': '/api/v1/Clusters/hwlab' });
    const tilde = await ok('/api/v1/Clusters/hwlab/Nodes/n1?$expand=~');
    expect(tilde['Links'].Cluster['@odata.type']).toBe('#HawatchCluster.v1_0_0.HawatchCluster');
    expect(tilde['Links'].Resources[0]['Id']).toBe('dummy');
    const star = await ok('/api/v1?$expand=*($levels=1)');
    expect(star['Clusters']['Members@odata.count']).toBeGreaterThanOrEqual(7);
    expect(star['EventService']['ServiceEnabled']).toBe(true);
    expect(star['Alerts']).toEqual({ '@odata.id': '/api/v1/Alerts' }); // served by the alerting module, not expanded
    const members = await ok('/api/v1/Clusters/hwlab/Nodes?$expand=.');
    expect((members['Members'] as Json[]).map((m) => m['Agent'].State)).toEqual(['up', 'up', 'up']);
  });

  it('$select keeps the named properties and the identity ones; on collections it applies to expanded members', async () => {
    const n = await ok('/api/v1/Clusters/hwlab/Nodes/n3?$select=Status,Agent');
    expect(Object.keys(n).sort()).toEqual(['@odata.id', '@odata.type', 'Agent', 'Id', 'Name', 'Status']);
    const coll = await ok('/api/v1/Clusters/hwlab/Nodes?$expand=.&$select=Status');
    for (const m of coll['Members'] as Json[]) expect(Object.keys(m).sort()).toEqual(['@odata.id', '@odata.type', 'Id', 'Name', 'Status']);
  });

  it('$top and $skip page a collection, with the total count and a link to the next page', async () => {
    const page = await ok('/api/v1/Clusters/hwlab/Nodes?$top=1&$skip=1');
    expect(page['Members']).toEqual([{ '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n2' }]);
    expect(page['Members@odata.count']).toBe(3);
    expect(page['Members@odata.nextLink']).toBe('/api/v1/Clusters/hwlab/Nodes?%24skip=2&%24top=1');
    const next = await ok(page['Members@odata.nextLink']);
    expect(next['Members']).toEqual([{ '@odata.id': '/api/v1/Clusters/hwlab/Nodes/n3' }]);
    expect(next['Members@odata.nextLink']).toBeUndefined();
    const none = await ok('/api/v1/Clusters/hwlab/Nodes?$top=0');
    expect(none['Members']).toEqual([]);
  });

  describe('bad options: 400 naming the option', () => {
    const cases: [string, string][] = [
      ['/api/v1/Clusters/hwlab/Nodes?$top=-1', '$top'],
      ['/api/v1/Clusters/hwlab/Nodes?$top=abc', '$top'],
      ['/api/v1/Clusters/hwlab/Nodes?$top=1&$top=2', '$top'],
      ['/api/v1/Clusters/hwlab/Nodes?$skip=x', '$skip'],
      ['/api/v1/Clusters/hwlab/Events?$top=5000', '$top'],
      ['/api/v1/Clusters/hwlab/Nodes/n1?$top=1', '$top'],
      ['/api/v1/Clusters/hwlab?$expand=.($levels=2)', '$expand'],
      ['/api/v1/Clusters/hwlab?$expand=all', '$expand'],
      ['/api/v1/Clusters/hwlab?$select=Nope', '$select'],
      ['/api/v1/Clusters/hwlab/Nodes?$select=Status', '$select'],
      ['/api/v1/Clusters/hwlab/Nodes?$filter=Kind eq \'x\'', '$filter'],
      ['/api/v1/Clusters/hwlab?$orderby=Name', '$orderby'],
      ['/api/v1/Clusters/hwlab?verbose=1', 'verbose'],
    ];
    for (const [path, option] of cases) {
      it(`${path} → 400 naming ${option}`, async () => {
        const r = await call('GET', path);
        expectError(r, 400, 'hawatch.rest.query_option', `${option}:`);
      });
    }
  });
});

describe('Events: the transition history', () => {
  const events = (q: string) => ok(`/api/v1/Clusters/hwlab/Events?$expand=.${q}`);
  const dbCount = (filter: string) => {
    const { where, params } = eventsWhere('hwlab', filter === '' ? [] : parseFilter(filter));
    return (c.db.prepare(eventsCountSql(where)).get(...params) as { n: number }).n;
  };

  it('newest first, with the total count, each event linking its reporter', async () => {
    const all = await events('&$top=1000');
    const ms = (all['Members'] as Json[]).map((e) => Date.parse(e['EventTimestamp']));
    expect(ms.length).toBeGreaterThan(5);
    expect([...ms].sort((a, b) => b - a)).toEqual(ms);
    expect(all['Members@odata.count']).toBe(dbCount(''));
    const offline = (all['Members'] as Json[]).find((e) => e['Kind'] === 'pcmk_node' && e['Object'] === 'n3' && e['ToState'] === 'offline');
    expect(offline?.['Links'].ReportedBy['@odata.id']).toMatch(/\/api\/v1\/Clusters\/hwlab\/Nodes\/n[12]$/);
    expect(offline?.['Status'].Health).toBe('Critical');
  });

  it('$filter on kind and object', async () => {
    const f = "Kind eq 'pcmk_node' and Object eq 'n3'";
    const r = await events(`&$filter=${encodeURIComponent(f)}`);
    expect(r['Members@odata.count']).toBe(dbCount(f));
    expect(r['Members@odata.count']).toBeGreaterThan(0);
    for (const e of r['Members'] as Json[]) expect([e['Kind'], e['Object']]).toEqual(['pcmk_node', 'n3']);
    const toStates = new Set((r['Members'] as Json[]).map((e) => e['ToState']));
    expect(toStates.has('offline')).toBe(true);
  });

  it('$filter on time (quoted or bare), node, and ne', async () => {
    const from = new Date(hwlabOrigin + 5_000).toISOString();
    for (const f of [`Time ge '${from}'`, `Time ge ${from}`]) {
      const r = await events(`&$top=1000&$filter=${encodeURIComponent(f)}`);
      expect(r['Members@odata.count']).toBe(dbCount(f));
      for (const e of r['Members'] as Json[]) expect(Date.parse(e['EventTimestamp'])).toBeGreaterThanOrEqual(Date.parse(from));
    }
    const r2 = await events(`&$top=1000&$filter=${encodeURIComponent(`Node eq 'n3' and Kind ne 'pcmk_node' and Time lt '${from}'`)}`);
    for (const e of r2['Members'] as Json[]) {
      expect(e['Links'].ReportedBy['@odata.id']).toBe('/api/v1/Clusters/hwlab/Nodes/n3');
      expect(e['Kind']).not.toBe('pcmk_node');
    }
  });

  it('pages with $top/$skip and a next link that keeps the filter', async () => {
    const f = "Kind eq 'pcmk_node'";
    const first = await ok(`/api/v1/Clusters/hwlab/Events?$top=2&$filter=${encodeURIComponent(f)}`);
    expect(first['Members']).toHaveLength(2);
    const next = first['Members@odata.nextLink'] as string;
    expect(decodeURIComponent(next.replace(/\+/g, ' '))).toContain(f);
    const second = await ok(next);
    expect(second['Members'][0]).not.toEqual(first['Members'][0]);
    const skipped = await ok(`/api/v1/Clusters/hwlab/Events?$top=1&$skip=2&$filter=${encodeURIComponent(f)}`);
    expect(skipped['Members'][0]).toEqual(second['Members'][0]);
  });

  describe('bad $filter: 400 naming $filter and the problem', () => {
    const cases: [string, RegExp][] = [
      ["Colour eq 'red'", /unknown property "Colour"/],
      ["Kind eq pcmk_node", /needs a quoted string/],
      ["Kind gt 'a'", /eq or ne only/],
      ["Time ge 'yesterday'", /RFC 3339/],
      ["Time ge '2026-11-23T18:00:00'", /RFC 3339/],
      ["Kind eq 'a' or Kind eq 'b'", /expected "and"/],
      ["Kind eq 'a", /unterminated/],
      ['Kind eq', /filter ends/],
      ["(Kind eq 'a')", /unexpected character/],
    ];
    for (const [f, why] of cases) {
      it(f, async () => {
        const r = await call('GET', `/api/v1/Clusters/hwlab/Events?$filter=${encodeURIComponent(f)}`);
        expectError(r, 400, 'hawatch.rest.query_option', '$filter:');
        expect(r.body['error'].message).toMatch(why);
      });
    }
  });

  it('every $filter shape is served through an index, newest first without a sort', () => {
    const shapes = [
      '',
      "Time ge '2026-11-23T18:00:00Z'",
      "Time ge '2026-11-23T18:00:00Z' and Time lt '2026-11-23T19:00:00Z'",
      "Kind eq 'pcmk_node'",
      "Kind eq 'pcmk_node' and Time ge '2026-11-23T18:00:00Z'",
      "Kind eq 'pcmk_node' and Object eq 'n3'",
      "Object eq 'n3'",
      "Node eq 'n3'",
      "Node eq 'n3' and Kind ne 'pcmk_node'",
    ];
    for (const f of shapes) {
      const { where, params } = eventsWhere('hwlab', f === '' ? [] : parseFilter(f));
      for (const sql of [eventsPageSql(where), eventsCountSql(where)]) {
        const plan = (c.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params, ...(sql.includes('LIMIT') ? [10, 0] : [])) as { detail: string }[]).map((p) => p.detail);
        const text = plan.join(' | ');
        expect(text, `${f}: ${text}`).toMatch(/USING (COVERING )?INDEX transitions_by_/);
        expect(text, `${f}: ${text}`).not.toMatch(/^SCAN transitions$|SCAN transitions(?! USING)/);
        if (sql.includes('ORDER BY')) expect(text, `${f}: ${text}`).not.toMatch(/TEMP B-TREE/);
      }
    }
  });

  it('an event resource, and 404 for one that is not there', async () => {
    const list = await ok('/api/v1/Clusters/hwlab/Events?$top=1');
    const id = list['Members'][0]['@odata.id'] as string;
    const e = await ok(id);
    expect(e['cimClass']).toBe('CIM_InstModification');
    expectError(await call('GET', '/api/v1/Clusters/hwlab/Events/999999999'), 404, 'hawatch.rest.not_found');
    expectError(await call('GET', '/api/v1/Clusters/hwlab/Events/abc'), 404, 'hawatch.rest.not_found');
    // An event of another cluster is not served under this one.
    expectError(await call('GET', id.replace('/hwlab/', '/sb/')), 404, 'hawatch.rest.not_found');
  });
});

describe('conditional GET', () => {
  it('an ETag on every resource; If-None-Match → 304 until the representation changes', async () => {
    const path = '/api/v1/Clusters/fx11/Nodes/node1';
    const first = await call('GET', path);
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    const again = await call('GET', path, { headers: { 'if-none-match': tag as string } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(tag);
    expect((await call('GET', path, { headers: { 'if-none-match': `"other", W/${tag}` } })).status).toBe(304);
    expect((await call('GET', path, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    await feedPacemakerFixture(c.url, 'sim-2node-11-unmanaged-group-failed', 'fx11', 'node1');
    const changed = await call('GET', path, { headers: { 'if-none-match': tag as string } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    for (const p of ['/api/v1', '/api/v1/Clusters', '/api/v1/Clusters/hwlab/Events?$top=3', '/api/v1/EventService']) {
      const r = await call('GET', p);
      expect(r.headers.get('etag'), p).toBeTruthy();
      expect((await call('GET', p, { headers: { 'if-none-match': r.headers.get('etag') as string } })).status, p).toBe(304);
    }
  });
});

describe('not found', () => {
  const cases = [
    '/api/v1/Clusters/nope',
    '/api/v1/Clusters/nope/Nodes',
    '/api/v1/Clusters/hwlab/Nodes/nope',
    '/api/v1/Clusters/hwlab/Resources/nope',
    '/api/v1/Clusters/vrlab/VirtualRouters/99',
    '/api/v1/Clusters/hwlab/ReplicatedVolumes/r0',
    '/api/v1/Clusters/hwlab/StorageSessions/iqn.x',
    '/api/v1/EventService/Subscriptions/nope',
    '/api/v1/Nope',
  ];
  for (const p of cases) it(p, async () => expectError(await call('GET', p), 404, 'hawatch.rest.not_found'));
});

describe('EventService subscriptions', () => {
  it('create, list, read (never the secret), delete, for every protocol', async () => {
    const bodies = [
      { Protocol: 'webhook', Destination: 'https://hooks.example.net/hawatch', Secret: 'bearer-token-123', Context: 'ops' },
      { Protocol: 'alertmanager', Destination: 'http://127.0.0.1:9093' },
      { Protocol: 'pagerduty', Secret: 'R0UT1NGKEY0123456789abcdef012345' },
      { Protocol: 'snmp-trap', Destination: 'snmp://127.0.0.1', Secret: 'public', Name: 'nms' },
    ];
    const before = (await ok('/api/v1/EventService/Subscriptions'))['Members@odata.count'] as number;
    const ids: string[] = [];
    for (const b of bodies) {
      const r = await call('POST', '/api/v1/EventService/Subscriptions', { token: ADMIN_TOKEN, body: b });
      expect(r.status, r.text).toBe(201);
      expect(r.headers.get('location')).toBe(r.body['@odata.id']);
      expect(r.text).not.toContain(b.Secret ?? 'no-secret-given');
      expect(r.body).toMatchObject({ Protocol: b.Protocol, SecretConfigured: b.Secret !== undefined, CreatedBy: 'ops' });
      ids.push(r.body['Id']);
    }
    const sub = await ok(`/api/v1/EventService/Subscriptions/${ids[2]}`);
    expect(sub['Destination']).toBe('https://events.pagerduty.com/v2/enqueue');
    expect((await ok(`/api/v1/EventService/Subscriptions/${ids[3]}`))['Destination']).toBe('snmp://127.0.0.1:162');
    const list = await ok('/api/v1/EventService/Subscriptions?$expand=.');
    expect(list['Members@odata.count']).toBe(before + 4);
    expect(JSON.stringify(list)).not.toMatch(/bearer-token-123|R0UT1NGKEY/);
    const del = await call('DELETE', `/api/v1/EventService/Subscriptions/${ids[0]}`, { token: ADMIN_TOKEN });
    expect(del.status).toBe(204);
    expectError(await call('GET', `/api/v1/EventService/Subscriptions/${ids[0]}`), 404, 'hawatch.rest.not_found');
    expectError(await call('DELETE', `/api/v1/EventService/Subscriptions/${ids[0]}`, { token: ADMIN_TOKEN }), 404, 'hawatch.rest.not_found');
    expect(c.db.prepare('SELECT count(*) AS n FROM subscriptions').get()).toEqual({ n: before + 3 });
  });

  it(`refuses more than ${MAX_SUBSCRIPTIONS} subscriptions with 409`, async () => {
    const made: string[] = [];
    const sub = { Protocol: 'alertmanager', Destination: 'http://127.0.0.1:9093' };
    for (let n = (await ok('/api/v1/EventService/Subscriptions'))['Members@odata.count'] as number; n < MAX_SUBSCRIPTIONS; n++) {
      const r = await call('POST', '/api/v1/EventService/Subscriptions', { token: ADMIN_TOKEN, body: sub });
      expect(r.status).toBe(201);
      made.push(r.body['@odata.id']);
    }
    expectError(await call('POST', '/api/v1/EventService/Subscriptions', { token: ADMIN_TOKEN, body: sub }), 409, 'hawatch.rest.limit');
    for (const id of made) expect((await call('DELETE', id, { token: ADMIN_TOKEN })).status).toBe(204);
  });

  describe('bad subscriptions: 400', () => {
    const cases: [string, unknown][] = [
      ['an unknown protocol', { Protocol: 'email', Destination: 'mailto:x@y' }],
      ['a webhook without a URL', { Protocol: 'webhook' }],
      ['a non-http webhook', { Protocol: 'webhook', Destination: 'file:///etc/passwd' }],
      ['credentials in the URL', { Protocol: 'webhook', Destination: 'https://user:pw@hooks.example.net/' }],
      ['pagerduty without a routing key', { Protocol: 'pagerduty' }],
      ['pagerduty over http', { Protocol: 'pagerduty', Secret: 'k', Destination: 'http://events.example.net/' }],
      ['an snmp-trap without snmp://', { Protocol: 'snmp-trap', Destination: '127.0.0.1:162' }],
      ['an unknown field', { Protocol: 'alertmanager', Destination: 'http://127.0.0.1:9093', Extra: 1 }],
    ];
    for (const [name, body] of cases) {
      it(name, async () => expectError(await call('POST', '/api/v1/EventService/Subscriptions', { token: ADMIN_TOKEN, body }), 400, 'hawatch.request.invalid'));
    }
    it('a body that is not JSON', async () => {
      const r = await call('POST', '/api/v1/EventService/Subscriptions', { token: ADMIN_TOKEN, body: 'Protocol=webhook', headers: { 'content-type': 'text/plain' } });
      expectError(r, 415, 'hawatch.request.media_type');
    });
  });
});

describe('auth: Redfish-shaped 401/403', () => {
  const sub = { Protocol: 'alertmanager', Destination: 'http://127.0.0.1:9093' };
  it('no token → 401', async () => expectError(await call('GET', '/api/v1/Clusters', { token: null }), 401, 'hawatch.auth.missing_token'));
  it('a wrong token → 401', async () => expectError(await call('GET', '/api/v1/Clusters/hwlab', { token: 'not-a-token-of-this-collector' }), 401, 'hawatch.auth.bad_token'));
  it('a read token on a write → 403', async () => expectError(await call('POST', '/api/v1/EventService/Subscriptions', { token: READ_TOKEN, body: sub }), 403, 'hawatch.auth.forbidden'));
  it('a read token on a delete → 403', async () => expectError(await call('DELETE', '/api/v1/EventService/Subscriptions/x', { token: READ_TOKEN }), 403, 'hawatch.auth.forbidden'));
  it('no token on a write → 401', async () => expectError(await call('POST', '/api/v1/EventService/Subscriptions', { token: null, body: sub }), 401, 'hawatch.auth.missing_token'));
  it('an agent token on a read → 403', async () => expectError(await call('GET', '/api/v1', { token: AGENT_TOKEN }), 403, 'hawatch.auth.forbidden'));
  it('an admin token reads too', async () => expect((await call('GET', '/api/v1', { token: ADMIN_TOKEN })).status).toBe(200));
  it('the document and the docs page are open', async () => {
    expect((await call('GET', '/api/v1/openapi.json', { token: null })).status).toBe(200);
    expect((await fetch(`${c.url}/api/v1/docs/`)).status).toBe(200);
  });
});
