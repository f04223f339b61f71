// Shared helpers of the vrrp tests: reading a golden case's recorded inputs, replaying a timeline.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FifoLineInput, VrrpRecordings } from '../../../../agent/probes/vrrp/report.js';
import type { VrrpReport } from '../../../../agent/protocol/vrrp.js';

/** The recorded inputs of one case, as the demo or `hawatch parse` would hand them over. */
export const recordingsOf = (caseDir: string): VrrpRecordings => {
  const read = (f: string): string | null => (existsSync(join(caseDir, f)) ? readFileSync(join(caseDir, f), 'utf8') : null);
  const rec: VrrpRecordings = {};
  const lines: FifoLineInput[] = [];
  const stamped = read('notify-fifo.log');
  if (stamped !== null) {
    for (const l of stamped.split('\n').filter((x) => x !== '')) {
      const [t, line] = l.split('\t');
      lines.push({ line: line!, atMs: Math.round(Number(t) * 1000) });
    }
  }
  if (existsSync(join(caseDir, 'notify-fifo'))) {
    for (const f of readdirSync(join(caseDir, 'notify-fifo')).sort()) lines.push(readFileSync(join(caseDir, 'notify-fifo', f), 'utf8'));
  }
  if (lines.length > 0) rec.fifoLines = lines;
  rec.ipAddrJson = read('ip-j-addr-show.json');
  rec.jsonDump = read('keepalived.json');
  rec.dataDump = read('keepalived.data');
  rec.statsDump = read('keepalived.stats');
  rec.conf = read('keepalived.conf');
  const meta = read('meta.json');
  if (meta !== null) rec.keepalived = (JSON.parse(meta) as { keepalived: VrrpReport['keepalived'] }).keepalived;
  return rec;
};


/** One entry of a timeline's index.json (see /work/shared/fixtures/timelines/README.md). */
export interface TimelineFile {
  node: string;
  command: string[];
  t_ms: number;
  exit_code: number | null;
  file: string;
  kind: 'sample' | 'fifo-line' | 'json-dump';
  line?: string;
  phase?: string;
}

export interface VrrpTimeline {
  dir: string;
  scenario: string;
  nodes: string[];
  events: { name: string; t_ms: number; what: string }[];
  files: TimelineFile[];
}

export const loadVrrpTimeline = (dir: string): VrrpTimeline => {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Omit<VrrpTimeline, 'dir'>;
  return { dir, scenario: index.scenario, nodes: index.nodes, events: index.events, files: index.files };
};

export const isIpSample = (f: TimelineFile): boolean => f.kind === 'sample' && f.command.join(' ') === 'ip -j addr show';

/**
 * What a node's agent would have had at scenario time `tMs`: every FIFO line read so far (with its time), the
 * latest `ip -j addr show` sample and the latest JSON dump (with the time keepalived was signalled).
 */
export const recordingsAt = (t: VrrpTimeline, node: string, tMs: number): VrrpRecordings => {
  const mine = t.files.filter((f) => f.node === node && f.t_ms <= tMs);
  const text = (f: TimelineFile): string => readFileSync(join(t.dir, f.file), 'utf8');
  const ip = mine.filter(isIpSample).pop();
  const dump = mine.filter((f) => f.kind === 'json-dump').pop();
  return {
    fifoLines: mine.filter((f) => f.kind === 'fifo-line').map((f) => ({ line: text(f).replace(/\n$/, ''), atMs: f.t_ms })),
    ipAddrJson: ip === undefined ? null : text(ip),
    jsonDump: dump === undefined ? null : { text: text(dump), atMs: dump.t_ms },
  };
};
