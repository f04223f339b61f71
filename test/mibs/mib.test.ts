// HAWATCH-MIB itself: smilint-clean, parsed by net-snmp's tools, documented in mibs/README.md, base copies intact.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHawatchMib } from '../../collector/snmp/mib.js';
import { MIB_ARGS, MIB_DIR, missingTools, ROOT, runTool, suiteTitle } from '../collector/snmp/helpers.js';

const MIB_FILE = join(MIB_DIR, 'HAWATCH-MIB.txt');
/** net-snmp tools announce a fresh persistent folder on stderr once; that is not a finding. */
const findings = (stderr: string): string => stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Created directory')).join('\n');

const noSmilint = missingTools(['smilint']);
describe.skipIf(noSmilint.length > 0)(suiteTitle('smilint', noSmilint), () => {
  it('reports nothing at level 6 (smilint exits 0 even with errors, so the output is what counts)', async () => {
    const r = await runTool('smilint', ['-l', '6', '-s', MIB_FILE], { env: { SMIPATH: `${MIB_DIR}:${join(MIB_DIR, 'base')}` } });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('does report a broken copy (the check is live)', async () => {
    const broken = readFileSync(MIB_FILE, 'utf8').replace('LAST-UPDATED "202611230000Z"', 'LAST-UPDATED "2026113"');
    const dir = mkdtempSync(join(tmpdir(), 'hawatch-mib-'));
    try {
      writeFileSync(join(dir, 'HAWATCH-MIB.txt'), broken);
      const r = await runTool('smilint', ['-l', '6', '-s', join(dir, 'HAWATCH-MIB.txt')], { env: { SMIPATH: `${MIB_DIR}:${join(MIB_DIR, 'base')}` } });
      expect(r.stdout + r.stderr).toMatch(/LAST-UPDATED|date/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const noTranslate = missingTools(['snmptranslate']);
describe.skipIf(noTranslate.length > 0)(suiteTitle('snmptranslate', noTranslate), () => {
  it('prints the whole tree without a warning', async () => {
    const r = await runTool('snmptranslate', [...MIB_ARGS, '-Tp', '-IR', 'hawatchMIB']);
    expect(r.code).toBe(0);
    expect(findings(r.stderr)).toBe('');
    const mib = loadHawatchMib(MIB_DIR);
    const names = [...mib.objects.keys(), ...mib.tables.keys(), ...mib.notifications.keys()];
    expect(names.length).toBeGreaterThan(100);
    for (const n of names) expect(r.stdout).toContain(`${n}(`);
    expect(r.stdout).toMatch(/^\+--hawatchMIB\(32473\)/);
  });
});

describe('mibs folder', () => {
  it('documents every object and notification of the module in README.md with its OID', () => {
    const readme = readFileSync(join(MIB_DIR, 'README.md'), 'utf8');
    const mib = loadHawatchMib(MIB_DIR);
    const root = mib.root.join('.');
    const all: [string, readonly number[]][] = [
      ...[...mib.objects.values()].map((o): [string, readonly number[]] => [o.name, o.oid]),
      ...[...mib.tables.values()].map((t): [string, readonly number[]] => [t.entry, t.oid]),
      ...[...mib.notifications.values()].map((n): [string, readonly number[]] => [n.name, n.oid]),
    ];
    for (const [name, oid] of all) {
      const rel = oid.join('.').slice(root.length);
      expect(readme, `${name} ${rel}`).toMatch(new RegExp(`^${rel.replace(/\./g, '\\.')}\\s+${name}\\b`, 'm'));
    }
  });

  it('ships the SNMPv2 base modules byte-exact from npm net-snmp', () => {
    for (const m of ['SNMPv2-SMI', 'SNMPv2-TC', 'SNMPv2-CONF', 'SNMPv2-MIB']) {
      const ours = readFileSync(join(MIB_DIR, 'base', `${m}.mib`));
      const theirs = readFileSync(join(ROOT, 'node_modules', 'net-snmp', 'lib', 'mibs', `${m}.mib`));
      expect(ours.equals(theirs), m).toBe(true);
    }
  });

  it('sets the enterprise number in one place', () => {
    const text = readFileSync(MIB_FILE, 'utf8').replace(/"[^"]*"/g, '""'); // descriptions may mention it
    expect(text.match(/32473/g)).toHaveLength(1);
    expect(text).toMatch(/::= \{ enterprises 32473 \}/);
  });
});

