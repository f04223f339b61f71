// Walk speed over a large model, with the real snmpbulkwalk: the figures go to the log (see the report's numbers).
// The default size runs in CI; HAWATCH_SNMP_SCALE=<nodes> runs a bigger one (e.g. 1000 for the benchmark).
// Every node also reports a VRRP instance (recorded keepalived) and, with the shared fixtures, two DRBD volumes.
import { describe, expect, it } from 'vitest';
import { startSnmpAgent } from '../../../collector/snmp/agent.js';
import type { PacemakerResource, PacemakerRunning } from '../../../agent/protocol/pacemaker.js';
import { ClusterModel } from '../../../collector/model/model.js';
import { freePort } from '../../helpers/processes.js';
import { fixtureReport, logger, MIB_ARGS, MIB_DIR, missingTools, runTool, suiteTitle, T0 } from './helpers.js';
import { AFTER_HEAL_MS, missingFixtures, probeBatch, splitTimeline, storageReports, vrrpAt } from './reports.js';

const NODES_PER_CLUSTER = 20;
const RESOURCES_PER_NODE = 10;
const totalNodes = Number(process.env['HAWATCH_SNMP_SCALE'] ?? 200);
const timeline = splitTimeline();
const VRRP = { master: vrrpAt(timeline, 'node-a', AFTER_HEAL_MS), backup: vrrpAt(timeline, 'node-b', AFTER_HEAL_MS) };
const DRBD = missingFixtures().length === 0 ? storageReports()['st-1'].drbd : null;

/** Clusters of 20 nodes, each node pushing the same crm_mon view (as real members do), 10 resources per node. */
const bigModel = (nodes: number): ClusterModel => {
  const model = new ClusterModel({ staleAfterIntervals: 3, now: () => T0 });
  const base = fixtureReport('live-01-healthy') as PacemakerRunning;
  const template = base.resources[0] as PacemakerResource;
  const templateNode = base.nodes[0] as PacemakerRunning['nodes'][number];
  for (let c = 0; c < Math.ceil(nodes / NODES_PER_CLUSTER); c++) {
    const names = Array.from({ length: NODES_PER_CLUSTER }, (_, i) => `c${c}-node${String(i + 1).padStart(2, '0')}`);
    const report: PacemakerRunning = {
      ...base,
      dc: { name: names[0] as string, id: '1', withQuorum: true },
      nodesConfigured: names.length,
      nodes: names.map((name, i) => ({ ...templateNode, name, id: String(i + 1), isDc: i === 0 })),
      resources: names.flatMap((node, i) =>
        Array.from({ length: RESOURCES_PER_NODE }, (_, k): PacemakerResource => ({ ...template, id: `rsc-${i}-${k}`, agent: 'ocf:pacemaker:Dummy', nodes: [node] })),
      ),
      resourcesConfigured: names.length * RESOURCES_PER_NODE,
    };
    // Each node's report is its own object, as after JSON decoding: the snapshot clones every one.
    names.forEach((n, i) => {
      const reports = { pacemaker: report, vrrp: i === 0 ? VRRP.master : VRRP.backup, ...(DRBD === null ? {} : { drbd: DRBD }) };
      model.applyBatch(probeBatch(`cluster-${String(c).padStart(3, '0')}`, n, 1, T0 - 1000, structuredClone(reports)), T0 - 500);
    });
  }
  return model;
};

const missing = missingTools(['snmpbulkwalk', 'snmpwalk', 'snmpget']);
describe.skipIf(missing.length > 0)(suiteTitle('walk speed', missing), () => {
  it(`bulkwalks ${totalNodes} nodes with ${totalNodes * RESOURCES_PER_NODE} resources`, async () => {
    const model = bigModel(totalNodes);
    let snapshotMs = 0;
    const timed = {
      snapshot: () => {
        const t0 = performance.now();
        const s = model.snapshot();
        snapshotMs = performance.now() - t0;
        return s;
      },
    };
    const port = await freePort();
    const agent = await startSnmpAgent({ model: timed, listen: { host: '127.0.0.1', port }, communities: ['ro'], v3Users: [], logger, mibDir: MIB_DIR });
    try {
      const results: string[] = [];
      const cold = await runTool('snmpget', ['-v2c', '-c', 'ro', ...MIB_ARGS, `127.0.0.1:${port}`, 'sysUpTime.0']);
      const warm = await runTool('snmpget', ['-v2c', '-c', 'ro', ...MIB_ARGS, `127.0.0.1:${port}`, 'sysUpTime.0']);
      results.push(`first GET (snapshot + view build): ${Math.round(cold.ms)} ms, next GET: ${Math.round(warm.ms)} ms`);
      const walk = await runTool('snmpwalk', ['-v2c', '-c', 'ro', '-On', ...MIB_ARGS, `127.0.0.1:${port}`, 'hawatchMIB'], { timeoutMs: 300_000 });
      const walked = walk.stdout.split('\n').filter((l) => l.startsWith('.') && !l.includes('No more variables')).length;
      results.push(`snmpwalk (GETNEXT): ${walked} varbinds in ${(walk.ms / 1000).toFixed(2)} s = ${Math.round(walked / (walk.ms / 1000))} varbinds/s`);
      for (const reps of [10, 50]) {
        const r = await runTool('snmpbulkwalk', ['-v2c', '-c', 'ro', `-Cr${reps}`, '-On', ...MIB_ARGS, `127.0.0.1:${port}`, 'hawatchMIB'], { timeoutMs: 300_000 });
        expect(r.code, r.stderr).toBe(0);
        const varbinds = r.stdout.split('\n').filter((l) => l.startsWith('.') && !l.includes('No more variables')).length;
        const resourceRows = r.stdout.split('\n').filter((l) => l.startsWith('.1.3.6.1.4.1.32473.1.4.1.2.')).length;
        expect(resourceRows).toBe(totalNodes * RESOURCES_PER_NODE);
        const vrrpRows = r.stdout.split('\n').filter((l) => l.startsWith('.1.3.6.1.4.1.32473.1.5.1.5.')).length;
        expect(vrrpRows).toBe(totalNodes);
        const drbdRows = r.stdout.split('\n').filter((l) => l.startsWith('.1.3.6.1.4.1.32473.1.7.1.2.')).length;
        expect(drbdRows).toBe(DRBD === null ? 0 : totalNodes * 2);
        results.push(`-Cr${reps}: ${varbinds} varbinds in ${(r.ms / 1000).toFixed(2)} s = ${Math.round(varbinds / (r.ms / 1000))} varbinds/s`);
        expect(varbinds / (r.ms / 1000)).toBeGreaterThan(2000); // far below what it does; catches a quadratic walk
      }
      console.log(`snmp walk speed, ${totalNodes} nodes, ${totalNodes * RESOURCES_PER_NODE} resources (model snapshot ${Math.round(snapshotMs)} ms):\n  ${results.join('\n  ')}`);
    } finally {
      await agent.close();
    }
  }, 600_000);
});
