// Fresh real captures: the local crm_mon (Pacemaker 2.1.5 on the build machine) renders the stored,
// generated CIBs with `CIB_file=<cib> crm_mon --output-as=xml --include=all`, exactly the probe's argv; the
// parsed result must agree with the parsed stored capture. Catches a parser that only fits old files.
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../../../agent/lib/exec.js';
import { CRM_MON_ARGV } from '../../../../agent/probes/pacemaker/probe.js';
import { parseCrmMonXml } from '../../../../agent/probes/pacemaker/parse.js';
import { pacemakerStates } from '../../../../agent/probes/pacemaker/observe.js';
import type { PacemakerRunning } from '../../../../agent/protocol/pacemaker.js';
import { SHARED_FIXTURES } from '../../../helpers/shared-fixtures.js';

const SHARED = SHARED_FIXTURES;
const CRM_MON = ['/usr/sbin/crm_mon', '/usr/bin/crm_mon'].find((p) => existsSync(p));
const HAVE = CRM_MON !== undefined && existsSync(join(SHARED, 'pacemaker', 'sim'));
const WHY = CRM_MON === undefined ? 'crm_mon not installed' : `shared fixtures not found at ${SHARED}`;

const capture = async (cib: string, argv: readonly string[] = CRM_MON_ARGV): Promise<PacemakerRunning> => {
  const r = await exec(argv, { timeoutMs: 30_000, env: { CIB_file: cib } });
  if (r.kind !== 'exited' || r.code !== 0) throw new Error(`crm_mon on ${cib}: ${JSON.stringify(r).slice(0, 500)}`);
  expect(r.stdout).toMatch(/^<pacemaker-result api-version="[^"]+" request="crm_mon --output-as=xml --include=all">/);
  const p = parseCrmMonXml(r.stdout);
  if (!p.ok) throw new Error(`${cib}: ${p.error.code} ${p.error.message}`);
  if (!p.value.running) throw new Error(`${cib}: not running`);
  return p.value;
};

const stored = (file: string): PacemakerRunning => {
  const p = parseCrmMonXml(readFileSync(file, 'utf8'));
  if (!p.ok || !p.value.running) throw new Error(file);
  return p.value;
};

/** Everything that does not depend on when or how crm_mon connected. */
const keyFacts = (r: PacemakerRunning) => ({
  dc: r.dc,
  pacemakerVersion: r.pacemakerVersion,
  counts: [r.nodesConfigured, r.resourcesConfigured, r.resourcesDisabled, r.resourcesBlocked],
  options: [r.fencingEnabled, r.maintenanceMode, r.stopAllResources, r.noQuorumPolicy],
  nodes: r.nodes,
  resources: r.resources,
  failCounts: r.failCounts,
  failedActions: r.failedActions,
  bans: r.bans,
  tickets: r.tickets,
  states: pacemakerStates(r),
});

const sim = HAVE
  ? readdirSync(join(SHARED, 'pacemaker', 'sim'))
      .filter((f) => f.endsWith('.cib.xml') && existsSync(join(SHARED, 'pacemaker', 'sim', f.replace('.cib.xml', '.crm_mon.xml'))))
      .sort()
  : [];
const live = HAVE
  ? readdirSync(join(SHARED, 'pacemaker', 'live'))
      .filter((f) => f.endsWith('.cib.xml'))
      .sort()
  : [];

describe.skipIf(!HAVE)(`fresh crm_mon captures from stored CIBs${HAVE ? '' : ` (skipped: ${WHY})`}`, () => {
  it('finds the CIBs', () => {
    expect(sim.length).toBeGreaterThanOrEqual(24);
    expect(live.length).toBeGreaterThanOrEqual(11);
  });

  it('pacemaker/sim: a fresh capture agrees with the stored one (both rendered from the CIB by crm_mon 2.1.5)', async () => {
    for (const cib of sim) {
      const dir = join(SHARED, 'pacemaker', 'sim');
      const fresh = await capture(join(dir, cib));
      const old = stored(join(dir, cib.replace('.cib.xml', '.crm_mon.xml')));
      expect(keyFacts(fresh), cib).toEqual(keyFacts(old));
      // CIB_file mode: no pacemakerd to ask, no fencing history.
      expect(fresh.pacemakerdState).toBeNull();
      expect(fresh.fenceHistory).toEqual([]);
    }
  });

  it('pacemaker/live: rendering the real cluster\'s CIB gives the same view as crm_mon on the running cluster', async () => {
    for (const cib of live) {
      const dir = join(SHARED, 'pacemaker', 'live');
      const fresh = await capture(join(dir, cib));
      const old = stored(join(dir, cib.replace('.cib.xml', '.crm_mon.xml')));
      expect(keyFacts(fresh), cib).toEqual(keyFacts(old));
      expect(old.pacemakerdState).toBe('running');
      expect(fresh.pacemakerdState).toBeNull();
    }
  });

  it('tickets granted and revoked with crm_ticket are read back', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hawatch-pcmk-'));
    try {
      const cib = join(tmp, 'cib.xml');
      copyFileSync(join(SHARED, 'pacemaker', 'sim', '2node-01-healthy.cib.xml'), cib);
      for (const argv of [
        ['crm_ticket', '-t', 'ticketA', '-g', '--force'],
        ['crm_ticket', '-t', 'ticketB', '-r', '--force'],
        ['crm_ticket', '-t', 'ticketB', '-s'],
      ]) {
        const r = await exec(argv, { timeoutMs: 30_000, env: { CIB_file: cib } });
        expect(r.kind === 'exited' && r.code, argv.join(' ')).toBe(0);
      }
      const r = await capture(cib);
      expect(r.tickets.map((t) => [t.id, t.granted, t.standby, t.lastGranted !== null])).toEqual([
        ['ticketA', true, false, true],
        ['ticketB', false, true, false],
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the legacy --as-xml rendering of the same CIB gives the same key facts (format and api version aside)', async () => {
    const cib = join(SHARED, 'pacemaker', 'sim', '3node-05-drbd-monitor-failed.cib.xml');
    const r = await exec(['crm_mon', '--as-xml'], { timeoutMs: 30_000, env: { CIB_file: cib } });
    expect(r.kind === 'exited' && r.code).toBe(0);
    const p = parseCrmMonXml(r.kind === 'exited' ? r.stdout : '');
    if (!p.ok || !p.value.running) throw new Error('legacy rendering not parsed');
    expect(p.value.format).toBe('legacy-crm_mon');
    expect(keyFacts(p.value)).toEqual(keyFacts(await capture(cib)));
  });
});
