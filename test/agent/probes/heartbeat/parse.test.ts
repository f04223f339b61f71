// The cl_status parsers on edge cases (garbage, empty, truncated: never a throw, always a stable code), the
// transcript format of `hawatch parse cl_status`, and layouts from cl_status(1) that no capture holds.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  HEARTBEAT_PARSE_SOURCES,
  parseClStatus,
  parseHblinkstatus,
  parseHbparameterSeconds,
  parseHbstatus,
  parseListhblinks,
  parseListnodes,
  parseNodestatus,
  parseNodetype,
  parseRscstatus,
  parseTranscript,
} from '../../../../agent/probes/heartbeat/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CAP = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'heartbeat', 'capture', 'out');
const V = readFileSync(join(CAP, '02-eth1-down-on-node2', 'node1', 'cl_status_hbstatus_v.out'), 'utf8');
const codeOf = (r: { ok: boolean; error?: { code: string } }): string | undefined => (r.ok ? undefined : r.error?.code);

const parsers = { parseHbstatus, parseListnodes, parseNodestatus, parseNodetype, parseListhblinks, parseHblinkstatus, parseRscstatus, parseHbparameterSeconds, parseClStatus };

describe('cl_status parsers: garbage, empty, truncated', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name}: empty → heartbeat.empty; garbage → a stable code, never a throw`, () => {
      expect(codeOf(parse(''))).toBe('heartbeat.empty');
      expect(codeOf(parse(' \n\n'))).toBe('heartbeat.empty');
      for (const g of ['<xml/>', '{"a": 1}', 'two words\nand more lines\n', '\u0000\u0001', 'x y '.repeat(5000)]) {
        const r = parse(g);
        if (r.ok) continue; // listnodes/listhblinks accept some word lists; the point is: no throw
        expect(r.error.code, `${name} ${g.slice(0, 10)}`).toMatch(/^heartbeat\.(unknown_format|truncated|bad_value|signon_failed)$/);
      }
    });
  }

  it('single-word queries reject other words and several lines', () => {
    expect(codeOf(parseNodestatus('sleepy\n'))).toBe('heartbeat.bad_value');
    expect(codeOf(parseNodestatus('active\nactive\n'))).toBe('heartbeat.unknown_format');
    expect(codeOf(parseHblinkstatus('12\n'))).toBe('heartbeat.unknown_format');
    expect(codeOf(parseRscstatus('mine\n'))).toBe('heartbeat.bad_value');
    expect(codeOf(parseNodetype('ping\n'))).toBeUndefined();
  });

  it('hbparameter: seconds, ms and s suffixes; anything else is bad_value', () => {
    expect(parseHbparameterSeconds('2\n')).toEqual({ ok: true, value: 2 });
    expect(parseHbparameterSeconds('500ms\n')).toEqual({ ok: true, value: 0.5 });
    expect(parseHbparameterSeconds('10s\n')).toEqual({ ok: true, value: 10 });
    expect(codeOf(parseHbparameterSeconds('soon\n'))).toBe('heartbeat.bad_value');
  });

  it('hbstatus -v: every prefix fails with a code or parses to whole nodes (each with a link)', () => {
    for (let i = 1; i < V.length; i++) {
      const r = parseHbstatus(V.slice(0, i));
      if (r.ok && r.value.running && r.value.nodes) expect(r.value.nodes.every((n) => n.links.length > 0), `prefix ${i}`).toBe(true);
      else if (!r.ok) expect(r.error.code).toMatch(/^heartbeat\.(unknown_format|truncated|bad_value)$/);
    }
    expect(codeOf(parseHbstatus(V.slice(0, V.indexOf('\teth1'))))).toBe('heartbeat.truncated');
    expect(codeOf(parseHbstatus(V.slice(0, V.indexOf('node2'))))).toBe('heartbeat.truncated');
    expect(codeOf(parseHbstatus(`${V}garbage line here\n`))).toBe('heartbeat.unknown_format');
  });

  it('cl_status(1) layouts: spaces instead of tabs, a ping node, a ccm membership block', () => {
    const text =
      'version:        3.0.6 (10e3f2130ea1)\nmanaged by:     pacemaker       (respawn)\n\nccm membership with quorum\n        instance 12\n        members 2\n' +
      '                1 bob   (born: 6)\n                0 alice (born: 12)\n        member of partition\n\nbob     active  (nodetype: normal)\n        eth1    dead\n        eth0    up\n\n' +
      '10.43.9.55      ping    (nodetype: ping)\n        10.43.9.55      up\n';
    const r = parseHbstatus(text);
    expect(r.ok && r.value).toEqual({
      running: true,
      version: '3.0.6 (10e3f2130ea1)',
      managedBy: 'pacemaker       (respawn)',
      nodes: [
        { name: 'bob', status: 'active', type: 'normal', links: [{ name: 'eth1', status: 'dead' }, { name: 'eth0', status: 'up' }] },
        { name: '10.43.9.55', status: 'ping', type: 'ping', links: [{ name: '10.43.9.55', status: 'up' }] },
      ],
    });
  });
});

describe('hawatch parse cl_status', () => {
  it('is the one heartbeat parse source', () => {
    expect(Object.keys(HEARTBEAT_PARSE_SOURCES)).toEqual(['cl_status']);
  });

  it('reads a transcript of single queries into a report', () => {
    const t = [
      '$ cl_status hbstatus',
      'Heartbeat is running on this machine.',
      '$ uname -n',
      'node1',
      '$ cl_status listnodes',
      'node2',
      'node1',
      '$ cl_status nodestatus node2',
      'dead',
      '$ cl_status nodestatus node1',
      'active',
      '$ cl_status listhblinks node2',
      '\teth0',
      '$ cl_status hblinkstatus node2 eth0',
      'dead',
      '$ cl_status listhblinks node1',
      '\teth0',
      '$ cl_status rscstatus',
      'all',
      '',
    ].join('\n');
    const r = parseClStatus(t);
    expect(r.ok && r.value).toEqual({
      running: true,
      source: 'queries',
      version: null,
      managedBy: null,
      localNode: 'node1',
      nodes: [
        { name: 'node1', status: 'active', type: null, local: true, links: [{ name: 'eth0', status: null }] },
        { name: 'node2', status: 'dead', type: null, local: false, links: [{ name: 'eth0', status: 'dead' }] },
      ],
      resources: 'all',
      keepaliveSeconds: null,
      deadtimeSeconds: null,
      errors: [],
    });
  });

  it('reads a single hbstatus -v or listnodes -v output; the local node is then unknown', () => {
    const r = parseClStatus(V);
    expect(r.ok && r.value).toMatchObject({ running: true, source: 'verbose', localNode: null, resources: null });
    const lv = parseClStatus(readFileSync(join(CAP, '01-healthy', 'node2', 'cl_status_listnodes_v.out'), 'utf8'));
    expect(lv.ok && lv.value).toMatchObject({ running: true, source: 'verbose', version: null, nodes: [{ name: 'node1' }, { name: 'node2' }] });
    expect(parseClStatus('Heartbeat is stopped on this machine.\n')).toEqual({ ok: true, value: { running: false, message: 'Heartbeat is stopped on this machine.' } });
  });

  it('a transcript needs a "$ command" line first; a query that cannot sign on is recorded as an error', () => {
    expect(codeOf(parseTranscript('node1\n$ cl_status listnodes\n'))).toBe('heartbeat.unknown_format');
    const r = parseClStatus('$ cl_status hbstatus\nHeartbeat is running on this machine.\n$ cl_status rscstatus\nNov 23 19:01:06 node2 cl_status: [23542]: ERROR: Cannot signon with heartbeat\n');
    expect(r.ok && r.value.running && r.value.errors).toEqual([{ source: 'cl_status rscstatus', code: 'heartbeat.signon_failed', message: 'cl_status rscstatus: ERROR: Cannot signon with heartbeat' }]);
  });
});
