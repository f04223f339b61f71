// bench/alert-latency: how long the collector takes from a push that completes a split brain to the page at a
// webhook, minus the rule's own `for` (issue 4: "observation received → notification sent").
// A real collector on loopback with a webhook notifier; keepalived's recorded split brain (vrrp-split-brain-port,
// through the real vrrp report builder) pushed as two agents would: node-a's unchanged MASTER report first, then,
// after a pause, node-b's report with it MASTER too. The time runs from node-b's push being acknowledged (stored)
// to the webhook receiving VrrpSplitBrain firing; then the heal, and the next round.
// Usage: npm run build && node dist/bench/alert-latency.js [--rounds N]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PushBatch } from '../agent/protocol/index.js';
import { vrrpSplitBrain } from '../collector/alerts/rules/vrrp.js';
import { CollectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { validateConfig } from '../common/config-file.js';
import { vrrpReportAt } from '../demo/recorded-vrrp.js';
import { bundledScenariosDir, loadTimeline } from '../demo/timeline.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
};
const ROUNDS = arg('rounds', 20);
const TOKEN = 'bench-agent-token-0123456789';
// Scenario times (ms) in vrrp-split-brain-port: both MASTER with the VIP on both, and after the heal.
const DURING_SPLIT_MS = 8_000;
const AFTER_HEAL_MS = 16_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arrivals: { atMs: number; status: string; alertname: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    const m = JSON.parse(body) as { alerts: { status: string; labels: Record<string, string> }[] };
    for (const a of m.alerts) arrivals.push({ atMs: performance.now(), status: a.status, alertname: a.labels['alertname'] ?? '' });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const dataDir = mkdtempSync(join(tmpdir(), 'hawatch-bench-alert-'));
const config = validateConfig(
  CollectorConfig,
  {
    dataDir,
    http: { listen: '127.0.0.1:0' },
    auth: { tokens: [{ name: 'agents', role: 'agent', token: TOKEN }] },
    notifiers: [{ type: 'webhook', name: 'bench', url: hookUrl }],
  },
  'bench',
);
const collector = await startCollector(config, { logger: pino({ level: 'silent' }) });
const timeline = loadTimeline(join(bundledScenariosDir(), 'vrrp-split-brain-port'));

let seq = 0;
const push = async (node: string, scenarioMs: number): Promise<void> => {
  seq++;
  const now = Date.now();
  const batch: PushBatch = {
    protocol: 1, cluster: 'bench', node, agentInstance: `00000000-0000-4000-8000-00000000000${node === 'node-a' ? 'a' : 'b'}`, agentVersion: 'bench',
    seq, sealedAt: now, intervalMs: 5_000,
    observations: [{ probe: 'vrrp', at: now, durationMs: 1, status: 'ok', report: vrrpReportAt(timeline, node, scenarioMs), samples: [], states: [] }],
  };
  const res = await fetch(`${collector.url}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(batch) });
  if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
};
const waitFor = async (status: string, sinceIndex: number): Promise<number> => {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const a = arrivals.slice(sinceIndex).find((x) => x.alertname === 'VrrpSplitBrain' && x.status === status);
    if (a) return a.atMs;
    if (performance.now() > deadline) throw new Error(`no VrrpSplitBrain ${status} within 10 s`);
    await sleep(1);
  }
};

const firing: number[] = [];
const resolved: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  await push('node-a', AFTER_HEAL_MS);
  await push('node-b', AFTER_HEAL_MS);
  await sleep(300);
  await push('node-a', DURING_SPLIT_MS); // unchanged: node-a stays MASTER through a split brain
  await sleep(300);
  let from = arrivals.length;
  await push('node-b', DURING_SPLIT_MS);
  const acked = performance.now();
  firing.push((await waitFor('firing', from)) - acked - vrrpSplitBrain.forMs);
  await sleep(200);
  from = arrivals.length;
  await push('node-b', AFTER_HEAL_MS);
  const healed = performance.now();
  resolved.push((await waitFor('resolved', from)) - healed);
  await sleep(300);
}
await collector.close();
server.close();
rmSync(dataDir, { recursive: true, force: true });

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `min ${s[0]!.toFixed(1)}  median ${q(0.5).toFixed(1)}  p90 ${q(0.9).toFixed(1)}  max ${s[s.length - 1]!.toFixed(1)} ms`;
};
console.log(`bench/alert-latency: ${ROUNDS} rounds, node ${process.version}; the rule's for (${vrrpSplitBrain.forMs} ms) is subtracted`);
console.log(`push acknowledged -> webhook has VrrpSplitBrain firing:   ${stats(firing)}`);
console.log(`heal push acknowledged -> webhook has it resolved:        ${stats(resolved)}`);
