// bench/snmp: a model of 1,000 nodes (20 per cluster; each with 10 Pacemaker resources and a VRRP instance, from
// real parsed outputs) served by the collector's SNMP agent and walked with the real snmpbulkwalk: varbinds/s.
// Usage: node dist/bench/snmp.js [--nodes N]   (needs Debian's snmp package; goal >= 5,000 varbinds/s)
import { vrrpReportAt } from '../demo/recorded-vrrp.js';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ClusterModel } from '../collector/model/model.js';
import { bundledMibDir, startSnmpAgent } from '../collector/snmp/index.js';
import { parseCrmMonXml } from '../agent/probes/pacemaker/parse.js';
import { bundledScenariosDir, loadTimeline } from '../demo/timeline.js';
import type { PacemakerRunning } from '../agent/protocol/pacemaker.js';
import type { PushBatch } from '../agent/protocol/index.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1000' } } });
const NODES = Number(values.nodes);
const PER_CLUSTER = 20;
const RESOURCES_PER_NODE = 10;
const T0 = Date.now();

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

const run = (cmd: string, args: string[]) =>
  new Promise<{ ms: number; stdout: string }>((resolve, reject) => {
    const t = performance.now();
    execFile(cmd, args, { maxBuffer: 512 * 1024 * 1024, timeout: 600_000 }, (err, stdout) => (err ? reject(err) : resolve({ ms: performance.now() - t, stdout })));
  });

// Real inputs: the live cluster's crm_mon capture and keepalived's recording after the heal.
const crm = parseCrmMonXml(readFileSync(join(bundledScenariosDir(), '..', '..', 'test', 'fixtures', 'probes', 'pacemaker', 'live-01-healthy', 'input.xml'), 'utf8'));
if (!crm.ok || !crm.value.running) throw new Error('pacemaker fixture did not parse');
const base: PacemakerRunning = crm.value;
const tl = loadTimeline(join(bundledScenariosDir(), 'vrrp-split-brain-port'));
// After the heal: node-a MASTER holding the VIP, node-b BACKUP.
const vrrp = { master: vrrpReportAt(tl, 'node-a', 25_000), backup: vrrpReportAt(tl, 'node-b', 25_000) };

const model = new ClusterModel({ staleAfterIntervals: 3, now: Date.now });
for (let c = 0; c < Math.ceil(NODES / PER_CLUSTER); c++) {
  const names = Array.from({ length: PER_CLUSTER }, (_, i) => `c${c}-n${i + 1}`);
  const tmplNode = base.nodes[0]!;
  const tmplRes = base.resources.find((r) => r.clone === null)!;
  const report: PacemakerRunning = {
    ...base,
    dc: { name: names[0]!, id: '1', withQuorum: true },
    nodesConfigured: names.length,
    nodes: names.map((name, i) => ({ ...tmplNode, name, id: String(i + 1), isDc: i === 0 })),
    resources: names.flatMap((node, i) => Array.from({ length: RESOURCES_PER_NODE }, (_, k) => ({ ...tmplRes, id: `rsc-${i}-${k}`, nodes: [node] }))),
    resourcesConfigured: names.length * RESOURCES_PER_NODE,
  };
  names.forEach((node, i) => {
    const batch: PushBatch = {
      protocol: 1, cluster: `cluster-${c}`, node, agentInstance: `00000000-0000-4000-8000-${String(c * PER_CLUSTER + i).padStart(12, '0')}`,
      agentVersion: 'bench', seq: 1, sealedAt: T0, intervalMs: 3_600_000,
      observations: [
        { probe: 'pacemaker', at: T0, durationMs: 1, status: 'ok', report: structuredClone(report), samples: [], states: [] },
        { probe: 'vrrp', at: T0, durationMs: 1, status: 'ok', report: structuredClone(i === 0 ? vrrp.master : vrrp.backup), samples: [], states: [] },
      ],
    };
    model.applyBatch(batch, T0);
  });
}

const main = async () => {
  const port = await freePort();
  const agent = await startSnmpAgent({ model, listen: { host: '127.0.0.1', port }, communities: ['bench'], v3Users: [], logger: pino({ level: 'silent' }), mibDir: bundledMibDir() });
  try {
    const mib = ['-M', `+${bundledMibDir()}:${bundledMibDir()}/base`, '-m', 'SNMPv2-MIB:HAWATCH-MIB'];
    console.log(`bench/snmp: ${NODES} nodes, ${NODES * RESOURCES_PER_NODE} resources, ${NODES} VRRP instances; node ${process.version}`);
    await run('snmpget', ['-v2c', '-c', 'bench', ...mib, `127.0.0.1:${port}`, 'sysUpTime.0']); // builds the first snapshot view
    for (const reps of [10, 50]) {
      const r = await run('snmpbulkwalk', ['-v2c', '-c', 'bench', `-Cr${reps}`, '-On', ...mib, `127.0.0.1:${port}`, 'hawatchMIB']);
      const n = r.stdout.split('\n').filter((l) => l.startsWith('.') && !l.includes('No more variables')).length;
      console.log(`snmpbulkwalk -Cr${reps}: ${n.toLocaleString('en-US')} varbinds in ${(r.ms / 1000).toFixed(2)} s = ${Math.round(n / (r.ms / 1000)).toLocaleString('en-US')} varbinds/s`);
    }
  } finally {
    await agent.close();
  }
};
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
