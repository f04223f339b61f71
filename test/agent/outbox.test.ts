// The outbox on a real SQLite file: durability across a simulated agent restart, seq rules, the bound, dead letters.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Value from 'typebox/value';
import { openOutbox, OutboxError, type BatchHeader, type OutboxLogger } from '../../agent/outbox.js';
import { PushBatch, type Observation } from '../../agent/protocol/index.js';

const header: BatchHeader = { cluster: 'c1', node: 'n1', agentVersion: '0.1.0', intervalMs: 1000 };
const obs = (at: number, value = 1): Observation => ({
  probe: 'pacemaker',
  at,
  durationMs: 1,
  status: 'ok',
  samples: [{ metric: 'hawatch_x', labels: { k: 'v' }, value }],
  states: [],
});

interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}
const recorder = () => {
  const lines: Logged[] = [];
  const logger: OutboxLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  };
  return { lines, logger };
};

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hawatch-outbox-'));
  file = join(dir, 'outbox.sqlite');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  it('creates the schema with WAL and a schema_version row', () => {
    const ob = openOutbox(file, { logger: recorder().logger });
    ob.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version FROM schema_version').pluck().all()).toEqual([1]);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['batches', 'dead_letters', 'meta', 'pending', 'schema_version']));
    } finally {
      db.close();
    }
  });

  it('seals pending observations oldest first into valid PushBatch JSON with increasing seqs', () => {
    const ob = openOutbox(file, { logger: recorder().logger });
    for (let i = 0; i < 5; i++) ob.enqueue(obs(1000 + i, i));
    expect(ob.counts()).toMatchObject({ pending: 5, batches: 0 });

    const r = ob.seal(header, 5000, 2);
    expect(r).toEqual({ seqs: [1, 2, 3], observations: 5, dropped: 0 });
    expect(ob.counts()).toMatchObject({ pending: 0, batches: 3, deadLetters: 0 });

    const ats: number[] = [];
    let seq = 0;
    for (let b = ob.oldestBatch(); b; b = ob.oldestBatch()) {
      const parsed = JSON.parse(b.body) as PushBatch;
      expect(Value.Check(PushBatch, parsed)).toBe(true);
      expect(parsed).toMatchObject({ protocol: 1, cluster: 'c1', node: 'n1', agentInstance: ob.agentInstance, seq: b.seq, sealedAt: 5000, intervalMs: 1000 });
      expect(parsed.observations).toHaveLength(b.observations);
      expect(b.bytes).toBe(Buffer.byteLength(b.body));
      expect(b.seq).toBeGreaterThan(seq);
      seq = b.seq;
      ats.push(...parsed.observations.map((o) => o.at));
      expect(ob.ack(b.seq)).toBe(true);
    }
    expect(ats).toEqual([1000, 1001, 1002, 1003, 1004]);
    expect(ob.ack(1)).toBe(false);
    // Nothing pending: sealing makes no empty batch.
    expect(ob.seal(header, 6000, 2).seqs).toEqual([]);
    ob.close();
  });

  it('keeps instance id, pending rows, frozen batch bytes and the seq counter across a restart', () => {
    const first = openOutbox(file, { logger: recorder().logger });
    const instance = first.agentInstance;
    expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    for (let i = 0; i < 3; i++) first.enqueue(obs(i));
    first.seal(header, 10, 10); // seq 1
    const frozen = first.oldestBatch()!.body;
    first.enqueue(obs(3));
    first.enqueue(obs(4));
    first.close(); // the agent stops (or crashes after the commit)

    const second = openOutbox(file, { logger: recorder().logger });
    expect(second.agentInstance).toBe(instance);
    expect(second.counts()).toMatchObject({ pending: 2, batches: 1 });
    expect(second.oldestBatch()!.body).toBe(frozen);
    expect(second.ack(1)).toBe(true);
    // seq 1 is gone from the table, yet the next batch is 2: seqs are never reused.
    expect(second.seal(header, 20, 10).seqs).toEqual([2]);
    expect(second.lastSeq()).toBe(2);
    second.close();

    const third = openOutbox(file, { logger: recorder().logger });
    third.ack(2);
    third.enqueue(obs(5));
    expect(third.seal(header, 30, 10).seqs).toEqual([3]);
    third.close();
  });

  it('gives a wiped outbox a new instance id, so its seqs starting again at 1 are a new series', () => {
    const a = openOutbox(file, { logger: recorder().logger });
    a.enqueue(obs(1));
    a.seal(header, 1, 10);
    const oldInstance = a.agentInstance;
    a.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'hawatch-outbox-'));
    file = join(dir, 'outbox.sqlite');

    const b = openOutbox(file, { logger: recorder().logger });
    expect(b.agentInstance).not.toBe(oldInstance);
    b.enqueue(obs(2));
    expect(b.seal(header, 2, 10).seqs).toEqual([1]);
    expect((JSON.parse(b.oldestBatch()!.body) as PushBatch).agentInstance).toBe(b.agentInstance);
    b.close();
  });

  it('splits batches at the byte bound, with at least one observation per batch', () => {
    const ob = openOutbox(file, { logger: recorder().logger });
    for (let i = 0; i < 4; i++) ob.enqueue(obs(i));
    // Smaller than one observation: one observation per batch, never an empty or a stuck batch.
    expect(ob.seal(header, 1, 100, 10).seqs).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 4; i++) ob.enqueue(obs(i));
    const one = ob.oldestBatch()!.bytes;
    // Room for about two observations.
    const r = ob.seal(header, 1, 100, one + 200);
    expect(r.seqs).toEqual([5, 6]);
    ob.close();
  });

  it('drops the oldest sealed batches beyond maxBatches, and says so loudly', () => {
    const { lines, logger } = recorder();
    const ob = openOutbox(file, { logger, maxBatches: 3 });
    for (let i = 0; i < 5; i++) ob.enqueue(obs(i));
    const r = ob.seal(header, 1, 1);
    expect(r.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(r.dropped).toBe(2);
    expect(ob.oldestBatch()!.seq).toBe(3);
    expect(ob.counts()).toMatchObject({ batches: 3, droppedTotal: 2 });
    const err = lines.find((l) => l.level === 'error');
    expect(err?.obj).toMatchObject({ dropped: 2, fromSeq: 1, toSeq: 2, observations: 2, maxBatches: 3 });
    expect(err?.msg).toMatch(/dropped/);

    ob.enqueue(obs(9));
    expect(ob.seal(header, 2, 1)).toMatchObject({ seqs: [6], dropped: 1 });
    expect(ob.counts().droppedTotal).toBe(3);
    ob.close();
    // The total survives a restart.
    const again = openOutbox(file, { logger, maxBatches: 3 });
    expect(again.counts().droppedTotal).toBe(3);
    again.close();
  });

  it('moves a permanently refused batch to dead_letters with its reason, unblocking the queue', () => {
    let t = 100;
    const { lines, logger } = recorder();
    const ob = openOutbox(file, { logger, now: () => t, maxDeadLetters: 2 });
    for (let i = 0; i < 4; i++) ob.enqueue(obs(i));
    ob.seal(header, 1, 1);
    const body = ob.oldestBatch()!.body;
    t = 200;
    expect(ob.deadLetter(1, 'HTTP 400: bad')).toBe(true);
    expect(ob.deadLetter(1, 'again')).toBe(false);
    expect(ob.oldestBatch()!.seq).toBe(2);
    expect(ob.deadLetters()).toEqual([{ seq: 1, sealedAt: 1, observations: 1, bytes: Buffer.byteLength(body), body, deadAt: 200, reason: 'HTTP 400: bad' }]);
    ob.deadLetter(2, 'x');
    ob.deadLetter(3, 'y');
    // Bounded too: the oldest dead letter goes, with a warning.
    expect(ob.deadLetters().map((d) => d.seq)).toEqual([2, 3]);
    expect(lines.some((l) => l.level === 'warn' && l.obj['pruned'] === 1)).toBe(true);
    expect(ob.counts()).toMatchObject({ batches: 1, deadLetters: 2 });
    ob.close();
  });

  it('refuses an observation that the collector would reject, and queues nothing of it', () => {
    const ob = openOutbox(file, { logger: recorder().logger });
    const bad = { ...obs(1), samples: [{ metric: 'bad metric name', labels: {}, value: Number.NaN }] };
    expect(() => ob.enqueue(bad)).toThrow(OutboxError);
    try {
      ob.enqueue(bad);
    } catch (e) {
      expect((e as OutboxError).code).toBe('hawatch.outbox.invalid_observation');
    }
    expect(ob.counts().pending).toBe(0);
    ob.close();
  });

  it('counts bytes of pending and sealed data', () => {
    const ob = openOutbox(file, { logger: recorder().logger });
    ob.enqueue(obs(1));
    const pendingBytes = Buffer.byteLength(JSON.stringify(obs(1)));
    expect(ob.counts().bytes).toBe(pendingBytes);
    ob.seal(header, 1, 10);
    expect(ob.counts().bytes).toBe(ob.oldestBatch()!.bytes);
    ob.close();
  });

  it('refuses a schema written by a newer agent instead of guessing', () => {
    openOutbox(file, { logger: recorder().logger }).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (99, 0)').run();
    db.close();
    expect(() => openOutbox(file, { logger: recorder().logger })).toThrow(/newer/);
  });

  it('refuses use after close', () => {
    const ob = openOutbox(file, { logger: recorder().logger });
    ob.close();
    ob.close(); // idempotent
    expect(() => ob.enqueue(obs(1))).toThrow(/closed/);
  });
});
