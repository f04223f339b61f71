import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, makeBatch, push, READ_TOKEN, startTestCollector, type TestCollector } from '../helpers/collector.js';

let c: TestCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c.cleanup();
});

const storedRows = () => ({ batches: count(c, 'batches'), samples: count(c, 'samples'), transitions: count(c, 'transitions') });

const expectError = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
  return body;
};

describe('ingest', () => {
  it('stores a valid push once and acknowledges it after the commit', async () => {
    const res = await push(c.url, makeBatch(1));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ seq: 1, duplicate: false, stored: { observations: 1, samples: 4, transitions: 1 } });
    // 2 probe samples + 2 collector-added (probe success, duration)
    expect(storedRows()).toEqual({ batches: 1, samples: 4, transitions: 1 });
  });

  it('stores a replayed batch only once (a lost acknowledgement)', async () => {
    const before = storedRows();
    const res = await push(c.url, makeBatch(1));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ seq: 1, duplicate: true, stored: { samples: 0 } });
    expect(storedRows()).toEqual(before);
  });

  describe('bad input: a clear 4xx, nothing stored, the collector keeps serving', () => {
    const cases: { name: string; send: () => Promise<Response>; status: number; code: string }[] = [
      { name: 'malformed JSON', send: () => push(c.url, '{"protocol":1,'), status: 400, code: 'hawatch.request.malformed_json' },
      { name: 'a wrong schema', send: () => push(c.url, { ...makeBatch(2), seq: 'two' }), status: 400, code: 'hawatch.request.invalid' },
      { name: 'an unknown field', send: () => push(c.url, { ...makeBatch(2), extra: 1 }), status: 400, code: 'hawatch.request.invalid' },
      { name: 'a bad sample name', send: () => push(c.url, makeBatch(2, { observations: [{ ...makeBatch(2).observations[0]!, samples: [{ metric: 'bad name', labels: {}, value: 1 }] }] })), status: 400, code: 'hawatch.request.invalid' },
      { name: 'an oversized body', send: () => push(c.url, { ...makeBatch(2), agentVersion: 'x'.repeat(300 * 1024) }), status: 413, code: 'hawatch.request.too_large' },
      { name: 'no token', send: () => push(c.url, makeBatch(2), null), status: 401, code: 'hawatch.auth.missing_token' },
      { name: 'a wrong token', send: () => push(c.url, makeBatch(2), 'not-a-token-of-this-collector'), status: 401, code: 'hawatch.auth.bad_token' },
      { name: 'a read-only token', send: () => push(c.url, makeBatch(2), READ_TOKEN), status: 403, code: 'hawatch.auth.forbidden' },
      { name: 'a wrong media type', send: () => push(c.url, 'seq=2', undefined, { 'content-type': 'text/plain' }), status: 415, code: 'hawatch.request.media_type' },
    ];
    for (const t of cases) {
      it(t.name, async () => {
        const before = storedRows();
        await expectError(await t.send(), t.status, t.code);
        expect(storedRows()).toEqual(before);
        const health = await fetch(`${c.url}/healthz`);
        expect(health.status).toBe(200);
      });
    }
  });

  it('counts rejected pushes in its own metrics', async () => {
    const res = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    const text = await res.text();
    expect(text).toMatch(/hawatch_ingest_batches_total\{result="rejected"\} (\d+)/);
    const rejected = Number(/hawatch_ingest_batches_total\{result="rejected"\} (\d+)/.exec(text)?.[1]);
    expect(rejected).toBeGreaterThanOrEqual(9);
    expect(text).toMatch(/hawatch_ingest_batches_total\{result="duplicate"\} 1/);
  });

  it('needs a token to read the API and metrics unless reads are open', async () => {
    expect((await fetch(`${c.url}/api/v1/Clusters`)).status).toBe(401);
    expect((await fetch(`${c.url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${c.url}/api/v1/Clusters`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ 'Members@odata.count': 1, Members: [{ '@odata.id': '/api/v1/Clusters/c1' }] });
  });

  it('records a state change as one transition and a repeated state as none', async () => {
    const changed = makeBatch(3);
    changed.observations[0]!.states = [{ kind: 'pcmk_node', id: 'n1', state: 'standby', availability: 'degraded' }];
    await push(c.url, changed);
    const same = makeBatch(4);
    same.observations[0]!.states = [{ kind: 'pcmk_node', id: 'n1', state: 'standby', availability: 'degraded' }];
    await push(c.url, same);
    const rows = c.db.prepare("SELECT from_state, to_state FROM transitions WHERE object = 'n1' ORDER BY at_ms").all();
    expect(rows).toEqual([
      { from_state: null, to_state: 'online' },
      { from_state: 'online', to_state: 'standby' },
    ]);
  });

  it('group-commits concurrent pushes and acknowledges each one', async () => {
    const before = count(c, 'batches');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => push(c.url, makeBatch(100 + i))));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(count(c, 'batches')).toBe(before + 20);
  });
});
