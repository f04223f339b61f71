// Starting a real collector on an ephemeral loopback port for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { validateConfig } from '../../common/config-file.js';
import { CollectorConfig } from '../../collector/config.js';
import { startCollector, type RunningCollector } from '../../collector/main.js';
import type { PushBatch } from '../../agent/protocol/index.js';

export const AGENT_TOKEN = 'agent-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export interface TestCollector extends RunningCollector {
  dataDir: string;
  cleanup(): Promise<void>;
}

export const startTestCollector = async (overrides: Record<string, unknown> = {}, dataDir?: string): Promise<TestCollector> => {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'hawatch-collector-'));
  const config = validateConfig(
    CollectorConfig,
    {
      dataDir: dir,
      http: { listen: '127.0.0.1:0', bodyLimitBytes: 256 * 1024 },
      auth: {
        tokens: [
          { name: 'agents', role: 'agent', token: AGENT_TOKEN },
          { name: 'grafana', role: 'read', token: READ_TOKEN },
          { name: 'ops', role: 'admin', token: ADMIN_TOKEN },
        ],
      },
      ...overrides,
    },
    'test',
  );
  const running = await startCollector(config, { logger: pino({ level: process.env['HAWATCH_TEST_LOG'] ?? 'silent' }) });
  return {
    ...running,
    dataDir: dir,
    cleanup: async () => {
      await running.close();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const makeBatch = (seq: number, over: Partial<PushBatch> = {}): PushBatch => ({
  protocol: 1,
  cluster: 'c1',
  node: 'n1',
  agentInstance: '00000000-0000-4000-8000-000000000001',
  agentVersion: 'test',
  seq,
  sealedAt: 1_700_000_000_000 + seq,
  intervalMs: 10_000,
  observations: [
    {
      probe: 'pacemaker',
      at: 1_700_000_000_000 + seq * 1000,
      durationMs: 12,
      status: 'ok',
      samples: [
        { metric: 'hawatch_test_value', labels: { k: 'a' }, value: seq },
        { metric: 'hawatch_test_value', labels: { k: 'b' }, value: seq * 2 },
      ],
      states: [{ kind: 'pcmk_node', id: 'n1', state: 'online', availability: 'up' }],
    },
  ],
  ...over,
});

export const push = (url: string, body: unknown, token: string | null = AGENT_TOKEN, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

export const count = (c: RunningCollector, table: string): number =>
  (c.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
