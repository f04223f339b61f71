// Real probe reports for the SNMP table tests: keepalived's recorded split brain through the real vrrp report
// builder, and the shared DRBD / iSCSI fixtures (collected outputs, read in place) through the real parsers.
import { vrrpReportAt } from '../../../demo/recorded-vrrp.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDrbdStatusJson, parseProcDrbd } from '../../../agent/probes/drbd/parse.js';
import { parseIscsiadmNode, parseIscsiadmSession } from '../../../agent/probes/iscsi/parse.js';
import type { PushBatch } from '../../../agent/protocol/index.js';
import type { DrbdReport } from '../../../agent/protocol/drbd.js';
import type { IscsiReport } from '../../../agent/protocol/iscsi.js';
import type { VrrpReport } from '../../../agent/protocol/vrrp.js';
import { loadTimeline, type Timeline } from '../../../demo/timeline.js';
import { SCENARIOS_DIR } from '../../helpers/replay.js';
import { SHARED_FIXTURES } from '../../helpers/shared-fixtures.js';

export const SPLIT_SCENARIO = 'vrrp-split-brain-port';
/** Scenario time in the split: node-b MASTER with the VIP since +3088 ms, node-a still MASTER with it; heal at +11501. */
export const DURING_SPLIT_MS = 8_000;
/** After the heal: node-b BACKUP again, VIP only on node-a (+12504 ms in the ip samples). */
export const AFTER_HEAL_MS = 16_000;

export const splitTimeline = (): Timeline => loadTimeline(join(SCENARIOS_DIR, SPLIT_SCENARIO));

/** A node's vrrp report at scenario time t, from what keepalived and ip printed up to then (as the replay tests do). */
export const vrrpAt = (timeline: Timeline, node: string, t: number): VrrpReport => vrrpReportAt(timeline, node, t);

// ---- shared DRBD and iSCSI fixtures ---------------------------------------------------------------------------------

export const SHARED = SHARED_FIXTURES;
const FILES = {
  drbdJson: join(SHARED, 'drbd', 'status-json', 'ha_cluster_exporter__drbdsetup-status-json.json'),
  drbdSync: join(SHARED, 'drbd', 'proc_drbd', 'ganeti__proc_drbd84_sync.txt'),
  iscsiFlat: join(SHARED, 'iscsi', 'collected', 'open-iscsi-README__iscsiadm_-m_session.excerpt.txt'),
  iscsiP1: join(SHARED, 'iscsi', 'collected', 'open-iscsi-README__iscsiadm_-m_session_-P_1.excerpt.txt'),
  iscsiNodes: join(SHARED, 'iscsi', 'generated', 'iscsiadm_-m_node.txt'),
} as const;
export const missingFixtures = (): string[] => Object.values(FILES).filter((f) => !existsSync(f));

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: Error }, what: string): T => {
  if (!r.ok) throw new Error(`${what}: ${r.error.message}`);
  return r.value;
};
const text = (f: string): string => readFileSync(f, 'utf8');

/**
 * Two storage nodes: st-1 with `drbdsetup status --json` (two Secondary resources, Connected to their Primary)
 * and two iSCSI sessions in the old flat listing (state unknown); st-2 with a DRBD 8.4 /proc/drbd (drbd0 Primary
 * StandAlone with data out of sync, drbd5 SyncSource at 68.5 %) and one session logged in (-P 1 listing).
 */
export const storageReports = (): Record<'st-1' | 'st-2', { drbd: DrbdReport; iscsi: IscsiReport }> => {
  const records = ok(parseIscsiadmNode(text(FILES.iscsiNodes)), 'iscsiadm -m node');
  return {
    'st-1': {
      drbd: ok(parseDrbdStatusJson(text(FILES.drbdJson)), 'drbdsetup status --json'),
      iscsi: { ...ok(parseIscsiadmSession(text(FILES.iscsiFlat)), 'iscsiadm -m session'), nodes: records },
    },
    'st-2': {
      drbd: ok(parseProcDrbd(text(FILES.drbdSync)), '/proc/drbd'),
      iscsi: { ...ok(parseIscsiadmSession(text(FILES.iscsiP1)), 'iscsiadm -m session -P 1'), nodes: records },
    },
  };
};

// ---- pushes ---------------------------------------------------------------------------------------------------------

export const probeBatch = (cluster: string, node: string, seq: number, atMs: number, reports: Record<string, unknown>, intervalMs = 10_000): PushBatch => ({
  protocol: 1,
  cluster,
  node,
  agentInstance: createHash('sha256').update(`${cluster}/${node}`).digest('hex').slice(0, 32),
  agentVersion: '0.1.0-test',
  seq,
  sealedAt: atMs,
  intervalMs,
  observations: Object.entries(reports).map(([probe, report]) => ({ probe, at: atMs, durationMs: 20, status: 'ok' as const, report, samples: [], states: [] })),
});
