import { expect } from 'vitest';
// Shared test pieces for alert delivery: a recording HTTP receiver on loopback, alerts, a migrated database.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDb, type Db } from '../../../../collector/store/db.js';
import { MIGRATIONS } from '../../../../collector/store/migrations.js';
import { ALERT_DELIVERY_MIGRATION, type DeliveryLogger } from '../../../../collector/alerts/notify/queue.js';
import type { Alert, AlertNotification } from '../../../../collector/alerts/types.js';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  atMs: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer (to test timeouts). */
  hang?: boolean;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Decide the answer to each request (default 200 with an empty JSON object). */
  respond: (r: Received, index: number) => Reply;
  close(): Promise<void>;
}

/** A node:http receiver on loopback that records every request; `port` reuses a given port (a receiver "coming back"). */
export const startReceiver = async (port = 0): Promise<Receiver> => {
  const requests: Received[] = [];
  const rec: Receiver = {
    url: '',
    port: 0,
    requests,
    respond: () => ({ status: 200, body: {} }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // not JSON: keep the text
      }
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, atMs: Date.now() };
      requests.push(r);
      const reply = rec.respond(r, requests.length - 1);
      if (reply.hang) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  rec.port = (server.address() as AddressInfo).port;
  rec.url = `http://127.0.0.1:${rec.port}`;
  return rec;
};

export const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);

export const makeAlert = (over: Partial<Alert> = {}): Alert => ({
  fingerprint: 'fp-vrrp-51',
  rule: 'VrrpSplitBrain',
  cluster: 'c1',
  severity: 'critical',
  labels: { vrid: '51' },
  summary: 'VRID 51 has two MASTERs: node-a, node-b',
  description: 'Both node-a and node-b claim MASTER for VRID 51 and hold 10.99.0.100.',
  runbook: 'https://hawatch.example/runbooks/vrrp-split-brain',
  status: 'firing',
  startsAtMs: T0,
  firingAtMs: T0,
  endsAtMs: null,
  evidence: [
    { node: 'node-a', probe: 'vrrp', atMs: T0 - 1000, says: 'VI_1 MASTER, 10.99.0.100 on eth0' },
    { node: 'node-b', probe: 'vrrp', atMs: T0 - 500, says: 'VI_1 MASTER, 10.99.0.100 on eth0' },
  ],
  updatedAtMs: T0,
  ...over,
});

export const firing = (a: Alert): AlertNotification => ({ kind: 'firing', alert: { ...a, status: 'firing' } });
export const resolved = (a: Alert, endsAtMs = (a.firingAtMs ?? a.startsAtMs) + 60_000): AlertNotification => ({
  kind: 'resolved',
  alert: { ...a, status: 'resolved', endsAtMs },
});

export interface TempDb {
  dir: string;
  db: Db;
  reopen(): Db;
  cleanup(): void;
}

/** A collector database with all migrations, the delivery one among them. */
export const tempDb = (): TempDb => {
  const dir = mkdtempSync(join(tmpdir(), 'hawatch-notify-'));
  expect(MIGRATIONS).toContain(ALERT_DELIVERY_MIGRATION);
  const migrations = MIGRATIONS;
  const t: TempDb = {
    dir,
    db: openDb(dir, migrations),
    reopen: () => {
      t.db.close();
      t.db = openDb(dir, migrations);
      return t.db;
    },
    cleanup: () => {
      if (t.db.open) t.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
};

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export const recordingLogger = (): DeliveryLogger & { lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};
