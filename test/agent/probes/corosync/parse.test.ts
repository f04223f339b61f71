// The corosync parsers on edge cases: garbage, empty and truncated input (never a throw, always a stable code),
// and the older cfgtool layouts (3.0.x) that no fixture holds, written out from the tool's print format.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCfgtool, parseCmapctl, parseQuorumtool, unreachableMessage } from '../../../../agent/probes/corosync/parse.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAP = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'corosync', 'capture', 'out', 'knet-3node-all-up_view-node1');
const Q = readFileSync(join(CAP, 'corosync-quorumtool_-s.txt'), 'utf8');
const C = readFileSync(join(CAP, 'corosync-cfgtool_-s.txt'), 'utf8');
const M = readFileSync(join(CAP, 'corosync-cmapctl_-b_runtime.members.txt'), 'utf8');
const N = readFileSync(join(CAP, 'corosync-cfgtool_-n.txt'), 'utf8');

const codeOf = (r: { ok: boolean; error?: { code: string } }): string | undefined => (r.ok ? undefined : r.error?.code);
const parsers = { parseQuorumtool, parseCfgtool, parseCmapctl };

describe('corosync parsers: garbage, empty, truncated', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name}: empty and blank → corosync.empty`, () => {
      expect(codeOf(parse(''))).toBe('corosync.empty');
      expect(codeOf(parse('  \n\n'))).toBe('corosync.empty');
      expect(codeOf(parse('\uFEFF'))).toBe('corosync.empty');
    });
    it(`${name}: garbage → corosync.unknown_format, never a throw`, () => {
      for (const g of ['hello world', '<xml/>', '{"a":1}', '\u0000\u0001\u0002', 'x'.repeat(10_000), 'Quorate: maybe']) {
        const r = parse(g);
        expect(r.ok, g.slice(0, 20)).toBe(false);
        expect(codeOf(r)).toMatch(/^corosync\.(unknown_format|truncated|bad_value)$/);
      }
    });
  }

  it('quorumtool: every prefix of a real output fails with a code or parses as a consistent result', () => {
    for (let i = 1; i < Q.length; i++) {
      const r = parseQuorumtool(Q.slice(0, i));
      if (r.ok && r.value.running) {
        // A prefix that parses must hold every member "Nodes:" announced.
        expect(r.value.members.length, `prefix ${i}`).toBe(r.value.info?.nodes ?? r.value.members.length);
      } else if (!r.ok) {
        expect(r.error.code).toMatch(/^corosync\.(empty|unknown_format|truncated|bad_value)$/);
      }
    }
    expect(codeOf(parseQuorumtool(Q.slice(0, Q.indexOf('node3'))))).toBe('corosync.truncated');
    expect(codeOf(parseQuorumtool(Q.slice(0, Q.indexOf('Flags'))))).toBe('corosync.truncated');
    expect(codeOf(parseQuorumtool(Q.slice(0, Q.indexOf('Quorate:'))))).toBe('corosync.truncated');
  });

  it('quorumtool: bad values → corosync.bad_value', () => {
    expect(codeOf(parseQuorumtool(Q.replace('Quorate:          Yes', 'Quorate:          Perhaps')))).toBe('corosync.bad_value');
    expect(codeOf(parseQuorumtool(Q.replace('Ring ID:          1.9', 'Ring ID:          one')))).toBe('corosync.bad_value');
    expect(codeOf(parseQuorumtool(Q.replace('Total votes:      3', 'Total votes:      many')))).toBe('corosync.bad_value');
    const p = readFileSync(join(CAP, 'corosync-quorumtool_-l_-p.txt'), 'utf8');
    expect(codeOf(parseQuorumtool(p.replace('NR node2', 'XX node2')))).toBe('corosync.bad_value');
  });

  it('quorumtool: qdevice extra info after the name is dropped; the name stays', () => {
    const text = '\nMembership information\n----------------------\n    Nodeid      Votes    Qdevice Name\n         1          1    A,V,NMW node1 [some info] (local)\n         2          1    A,V,MW node2\n         0          1            Qdevice\n';
    const r = parseQuorumtool(text);
    expect(r.ok && r.value.running && r.value.members.map((m) => [m.name, m.local, m.qdevice?.masterWins])).toEqual([
      ['node1', true, false],
      ['node2', false, true],
    ]);
  });

  it('cfgtool: every prefix of a real -s output fails with a code or parses with the same node count per link', () => {
    for (let i = 1; i < C.length; i++) {
      const r = parseCfgtool(C.slice(0, i));
      if (r.ok && r.value.running && r.value.format === 'links') {
        expect(new Set(r.value.links.map((l) => l.peers.length)).size, `prefix ${i}`).toBeLessThanOrEqual(1);
      }
    }
    expect(codeOf(parseCfgtool(C.slice(0, C.lastIndexOf('nodeid'))))).toBe('corosync.truncated');
    expect(codeOf(parseCfgtool(C.slice(0, C.lastIndexOf('status:'))))).toBe('corosync.truncated');
    expect(codeOf(parseCfgtool(`${C}\tsomething odd\n`))).toBe('corosync.unknown_format');
  });

  it('cfgtool -n: a node without its link lines is truncated', () => {
    expect(codeOf(parseCfgtool(N.slice(0, N.indexOf('   LINK: 0'))))).toBe('corosync.truncated');
    expect(codeOf(parseCfgtool(N.replace('mtu: 1446', 'mtu: x')))).toBe('corosync.truncated');
  });

  it('cmapctl: a line cut off at the end is truncated; a bad line in the middle is unknown_format; odd values are bad_value', () => {
    const lines = M.split('\n');
    expect(codeOf(parseCmapctl(M.slice(0, M.lastIndexOf(' = '))))).toBe('corosync.truncated');
    expect(codeOf(parseCmapctl(M.slice(0, M.length - 5)))).toBe('corosync.truncated');
    expect(codeOf(parseCmapctl([...lines.slice(0, 3), 'garbage here', ...lines.slice(3)].join('\n')))).toBe('corosync.unknown_format');
    expect(codeOf(parseCmapctl(M.replace('join_count (u32) = 1', 'join_count (u32) = one')))).toBe('corosync.bad_value');
    expect(codeOf(parseCmapctl(M.replace(/status \(str\) = joined\n$/, 'status (str) = weird\n')))).toBe('corosync.bad_value');
    // A member whose status line is missing (the dump was cut between keys).
    expect(codeOf(parseCmapctl(lines.slice(0, 11).join('\n') + '\n'))).toBe('corosync.truncated');
  });
});

describe('corosync cfgtool formats of other versions', () => {
  it('3.0.0-3.0.3: "Printing link status.", "nodeid  N:" with link enabled/connected bits; the local node known from the header', () => {
    const text =
      'Printing link status.\nLocal node ID 2\nLINK ID 0\n\taddr\t= 192.168.122.12\n\tstatus:\n' +
      '\t\tnodeid  1:\tlink enabled:1\tlink connected:1\n\t\tnodeid  2:\tlink enabled:1\tlink connected:1\n\t\tnodeid  3:\tlink enabled:1\tlink connected:0\n';
    const r = parseCfgtool(text);
    expect(r.ok && r.value.running && r.value.format === 'links' && r.value).toEqual({
      running: true,
      format: 'links',
      localNodeId: 2,
      transport: null,
      links: [
        {
          linkId: 0,
          transport: null,
          address: '192.168.122.12',
          status: null,
          faulty: null,
          peers: [
            { nodeId: 1, local: false, status: 'connected', connected: true, enabled: true },
            { nodeId: 2, local: true, status: 'localhost', connected: true, enabled: true },
            { nodeId: 3, local: false, status: 'disconnected', connected: false, enabled: true },
          ],
        },
      ],
    });
  });

  it('3.0.4-3.1.0: "(not enabled)", "knet error", udp "status = OK"', () => {
    const text =
      'Printing link status.\nLocal node ID 1\nLINK ID 0\n\taddr\t= 10.0.0.1\n\tstatus:\n' +
      '\t\tnodeid  1:\tlocalhost\n\t\tnodeid  2:\tdisconnected (not enabled)\n\t\tnodeid  3:\tknet error\n';
    const r = parseCfgtool(text);
    expect(r.ok && r.value.running && r.value.format === 'links' && r.value.links[0]?.peers).toEqual([
      { nodeId: 1, local: true, status: 'localhost', connected: true, enabled: null },
      { nodeId: 2, local: false, status: 'disconnected', connected: false, enabled: false },
      { nodeId: 3, local: false, status: 'knet error', connected: false, enabled: null },
    ]);
    const udp = parseCfgtool('Printing link status.\nLocal node ID 1\nLINK ID 0\n\taddr\t= 10.0.0.1\n\tstatus\t= OK\n');
    expect(udp.ok && udp.value.running && udp.value.format === 'links' && udp.value.links[0]).toMatchObject({ status: 'OK', peers: [], faulty: null });
  });

  it('3.1.5+: the "**SCTP is deprecated" line under an sctp link is skipped', () => {
    const r = parseCfgtool(`Local node ID 1, transport knet\nLINK ID 0 sctp\n**SCTP is deprecated and will be removed in a future release\n\taddr\t= 10.0.0.1\n\tstatus:\n\t\tnodeid:          1:\tlocalhost\n`);
    expect(r.ok && r.value.running && r.value.format === 'links' && r.value.links[0]?.transport).toBe('sctp');
  });

  it('2.x not running: "Printing ring status." on stdout, the reason on stderr (read from both)', () => {
    expect(unreachableMessage('Could not initialize corosync configuration API error 2\n')).toMatchObject({ reason: 'not-running' });
    const r = parseCfgtool('Printing ring status.\nCould not initialize corosync configuration API error 2\n');
    expect(r.ok && r.value).toMatchObject({ running: false, reason: 'not-running' });
  });
});
