// Code ↔ MIB: what the agent loaded through net-snmp's ModuleStore equals what Net-SNMP's own parser makes of
// the same file (OIDs by snmptranslate -On, enumerations by -Td), and the rows cover the MIB's columns both ways.
import { describe, expect, it } from 'vitest';
import { bundledMibDir, loadHawatchMib, oidString } from '../../../collector/snmp/mib.js';
import { SCALAR_NAMES, TABLE_COLUMNS } from '../../../collector/snmp/rows.js';
import { checkMibCoversRows } from '../../../collector/snmp/view.js';
import { MIB_ARGS, MIB_DIR, missingTools, runTool, suiteTitle } from './helpers.js';

const mib = loadHawatchMib(MIB_DIR);

describe('rows and MIB', () => {
  it('serve exactly the readable columns and scalars of the MIB', () => {
    expect(checkMibCoversRows(mib)).toEqual([]);
    for (const [entry, cols] of Object.entries(TABLE_COLUMNS)) {
      const t = mib.tables.get(entry);
      const readable = [...(t?.columns.values() ?? [])].filter((c) => c.access === 'read-only').map((c) => c.name);
      expect([...cols].sort(), entry).toEqual(readable.sort());
    }
    expect([...SCALAR_NAMES].sort()).toEqual(mib.scalars.map((s) => s.name).sort());
  });

  it('is found next to the code', () => {
    expect(bundledMibDir()).toBe(MIB_DIR);
  });

  it('names every notification the notifier can send, with its objects', () => {
    expect([...mib.notifications.keys()].sort()).toEqual(
      ['hawatchAlertFiring', 'hawatchAlertResolved', 'hawatchQuorumLost', 'hawatchQuorumRegained', 'hawatchSplitBrainCleared', 'hawatchSplitBrainDetected'],
    );
    for (const n of mib.notifications.values()) for (const o of n.objects) expect(mib.objects.get(o)?.access, `${n.name}/${o}`).toBe('accessible-for-notify');
  });
});

const missing = missingTools(['snmptranslate']);
describe.skipIf(missing.length > 0)(suiteTitle('code and Net-SNMP agree', missing), () => {
  it('on every OID (snmptranslate -On)', async () => {
    const expected = new Map<string, string>([
      ['hawatchMIB', oidString(mib.root)],
      ...[...mib.objects.values()].map((o): [string, string] => [o.name, oidString(o.oid)]),
      ...[...mib.tables.values()].map((t): [string, string] => [t.entry, oidString(t.oid)]),
      ...[...mib.notifications.values()].map((n): [string, string] => [n.name, oidString(n.oid)]),
      ...[...mib.identities].map(([name, oid]): [string, string] => [name, oidString(oid)]),
      ...[...mib.system.values()].map((o): [string, string] => [`SNMPv2-MIB::${o.name}`, oidString(o.oid)]),
    ]);
    const names = [...expected.keys()];
    const r = await runTool('snmptranslate', [...MIB_ARGS, '-On', ...names.map((n) => (n.includes('::') ? n : `HAWATCH-MIB::${n}`))]);
    expect(r.code).toBe(0);
    const got = r.stdout.split('\n').filter((l) => l.startsWith('.'));
    expect(got).toHaveLength(names.length);
    names.forEach((n, i) => expect(`${n} ${got[i]}`).toBe(`${n} .${expected.get(n)}`));
  });

  it('on every enumeration (snmptranslate -Td)', async () => {
    const enums = [...mib.objects.values()].filter((o) => o.enumeration !== null);
    expect(enums.length).toBeGreaterThan(20);
    const r = await runTool('snmptranslate', [...MIB_ARGS, '-Td', ...enums.map((o) => `HAWATCH-MIB::${o.name}`)]);
    expect(r.code).toBe(0);
    const syntaxes = [...r.stdout.matchAll(/^ {2}SYNTAX\tINTEGER \{([^}]*)\}/gm)].map((m) => m[1] ?? '');
    expect(syntaxes).toHaveLength(enums.length);
    enums.forEach((o, i) => {
      const theirs = (syntaxes[i] ?? '').split(',').map((s) => s.trim());
      const ours = [...(o.enumeration ?? [])].map(([label, n]) => `${label}(${n})`);
      expect(ours, o.name).toEqual(theirs);
    });
  });
});
