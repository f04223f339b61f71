// hawatchAvailTable on a real collector's SNMP agent over a real store (test/collector/rest/availability-fixture.ts),
// read with Net-SNMP's snmptable and snmpwalk with the MIB loaded by the client: one row per object and SLA, in the
// MIB's units, the same figures as the REST Availability entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN } from '../../helpers/collector.js';
import { freePort } from '../../helpers/processes.js';
import { startAvailabilityFixture, VIP, type AvailabilityFixture } from '../rest/availability-fixture.js';
import { cell, MIB_ARGS, missingTools, parseWalk, runTool, skipMessage } from './helpers.js';

const COMMUNITY = 'hawatch-avail';
const missing = missingTools(['snmptable', 'snmpwalk']);
type Json = Record<string, any>;

describe.skipIf(missing.length > 0)(`hawatchAvailTable${missing.length > 0 ? ` (${skipMessage(missing)})` : ''}`, () => {
  let fx: AvailabilityFixture;
  let target = '';
  const v2 = ['-v2c', '-c', COMMUNITY, '-t', '2', '-r', '1', ...MIB_ARGS];

  beforeAll(async () => {
    const port = await freePort();
    fx = await startAvailabilityFixture({ snmp: { enabled: true, listen: `127.0.0.1:${port}`, communities: [{ community: COMMUNITY }] } });
    target = `127.0.0.1:${port}`;
  }, 120_000);
  afterAll(async () => {
    await fx?.cleanup();
  });

  const rest = async (sla: string, key: string): Promise<Json> =>
    (await (await fetch(`${fx.c.url}/api/v1/Availability/${sla}/Objects/${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as Json;

  /** snmptable -Ci -Cf '|' → rows keyed by column name (and `index`). */
  const table = async (): Promise<Record<string, string>[]> => {
    const r = await runTool('snmptable', [...v2, '-Ci', '-Cf', '|', target, 'hawatchAvailTable']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('|'));
    const header = lines[0]?.split('|') ?? [];
    return lines.slice(1).map((l) => Object.fromEntries(l.split('|').map((v, i) => [header[i] ?? String(i), v])));
  };

  it('one row per object and SLA, indexed by the cluster table\'s index, SLAs in configuration order', async () => {
    const names = parseWalk((await runTool('snmpwalk', [...v2, target, 'hawatchClusterName'])).stdout);
    const idx = (name: string) => [...(names.get('hawatchClusterName')?.entries() ?? [])].find(([, v]) => v === name)?.[0];
    const sb = idx('sb');
    const vr = idx('vr');
    const rows = await table();
    expect(rows.map((r) => [r['index'], r['hawatchAvailSla'], r['hawatchAvailObjectKind'], r['hawatchAvailObjectId']])).toEqual([
      [`${sb}.1`, 'services', 'resource', 'dummy'],
      [`${sb}.2`, 'members', 'node', 'n1'],
      [`${sb}.3`, 'members', 'node', 'n2'],
      [`${sb}.4`, 'members', 'cluster', 'cluster'],
      [`${vr}.1`, 'services', 'vip', VIP],
    ]);
  });

  it('the VIP row: the REST figures in the MIB\'s units (seconds, thousandths of a percent, thousandths)', async () => {
    const row = (await table()).find((r) => r['hawatchAvailObjectId'] === VIP) as Record<string, string>;
    const o = await rest('services', `vr~vip~${VIP}`);
    const s = (x: number) => `${Math.round(x)} seconds`;
    // DISPLAY-HINT "d-3": the integer in thousandths printed with three decimals.
    const d3 = (thousandths: number) => (thousandths / 1000).toFixed(3);
    expect(row['hawatchAvailUptime']).toBe(d3(Math.floor(o['AvailabilityPercent'] * 1000)));
    expect(row['hawatchAvailObjective']).toBe('99.900');
    expect(row['hawatchAvailDowntime']).toBe(s(o['DowntimeSeconds']));
    expect(row['hawatchAvailExcluded']).toBe(s(o['ExcludedSeconds']));
    expect(row['hawatchAvailIncidents']).toBe('1');
    expect(row['hawatchAvailMtbf']).toBe(s(o['MTBFSeconds']));
    expect(row['hawatchAvailMttr']).toBe(s(o['MTTRSeconds']));
    expect(row['hawatchAvailMtta']).toBe('42 seconds');
    expect(row['hawatchAvailBudgetLeft']).toBe(s(o['ErrorBudgetRemainingSeconds']));
    expect(row['hawatchAvailBurnRate']).toBe(d3(Math.round(o['BurnRate'] * 1000)));
    // The period: the UTC day the fixture's clock is in, evaluated up to the clock.
    expect(row['hawatchAvailPeriod']).toBe(s((fx.clock.now - fx.day.fromMs) / 1000));
    const start = new Date(fx.day.fromMs);
    expect(row['hawatchAvailPeriodStart']).toBe(`${start.getUTCFullYear()}-${start.getUTCMonth() + 1}-${start.getUTCDate()},0:0:0.0,+0:0`);
  });

  it('figures that do not exist have no instance: dummy spent the day in a maintenance window', async () => {
    const w = parseWalk((await runTool('snmpwalk', [...v2, target, 'hawatchAvailTable'])).stdout);
    const sbRow = [...(w.get('hawatchAvailObjectId')?.entries() ?? [])].find(([, v]) => v === 'dummy')?.[0] as string;
    for (const absent of ['hawatchAvailUptime', 'hawatchAvailMtbf', 'hawatchAvailMttr', 'hawatchAvailMtta', 'hawatchAvailBurnRate']) expect(cell(w, absent, sbRow), absent).toBeUndefined();
    expect(cell(w, 'hawatchAvailDowntime', sbRow)).toBe('0 seconds');
    expect(cell(w, 'hawatchAvailIncidents', sbRow)).toBe('0');
    // An Integer32 in seconds: the budget (0: the rest of the day is planned maintenance too).
    expect(cell(w, 'hawatchAvailBudgetLeft', sbRow)).toBe('0 seconds');
  });
});
