// The vrrp parsers on small inputs: every format's variants, and garbage, empty and truncated input, which must
// give a typed error with a stable code (never a throw).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canonicalAddress,
  parseIpAddrJson,
  parseKeepalivedConf,
  parseKeepalivedJson,
  parseKeepalivedText,
  parseNotifyFifo,
  parseNotifyFifoLine,
  parseVipSpec,
  VRRP_PARSE_ERRORS,
} from '../../../../agent/probes/vrrp/parse.js';
import { VRRP_PARSE_SOURCES } from '../../../../agent/probes/vrrp/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, '..', '..', '..', 'fixtures', 'probes', 'vrrp');
const input = (c: string, f: string): string => readFileSync(join(GOLDEN, c, f), 'utf8');

const code = (r: { ok: boolean; error?: { code: string } }): string | undefined => (r.ok ? undefined : r.error?.code);

describe('notify FIFO lines', () => {
  it('reads instance and group lines with every word keepalived 2.2.7 writes', () => {
    expect(parseNotifyFifoLine('INSTANCE "VI_1" MASTER 100')).toEqual({ ok: true, value: { type: 'instance', name: 'VI_1', word: 'MASTER', state: 'MASTER', priority: 100 } });
    expect(parseNotifyFifoLine('GROUP "G_WEB" FAULT 0')).toEqual({ ok: true, value: { type: 'group', name: 'G_WEB', word: 'FAULT', state: 'FAULT', priority: 0 } });
    const states = ['BACKUP', 'STOP', 'DELETED', 'MASTER_RX_LOWER_PRI', 'MASTER_PRIORITY', 'BACKUP_PRIORITY', '{UNKNOWN}'].map((w) => {
      const r = parseNotifyFifoLine(`INSTANCE "x" ${w} 90`);
      return r.ok && r.value.type === 'instance' ? r.value.state : null;
    });
    expect(states).toEqual(['BACKUP', 'STOP', 'DELETED', 'MASTER', 'MASTER', 'BACKUP', 'UNKNOWN']);
  });

  it('keeps an unknown future word as an event without a state, names with spaces and quotes, CRLF', () => {
    expect(parseNotifyFifoLine('INSTANCE "VI 1" SOMETHING_NEW 5')).toMatchObject({ ok: true, value: { name: 'VI 1', word: 'SOMETHING_NEW', state: null } });
    expect(parseNotifyFifoLine('INSTANCE "a"b" BACKUP 1')).toMatchObject({ ok: true, value: { name: 'a"b' } });
    expect(parseNotifyFifoLine('INSTANCE "VI_1" BACKUP 150\r')).toMatchObject({ ok: true, value: { priority: 150 } });
  });

  it('passes checker lines of the global notify_fifo through as not-VRRP', () => {
    expect(parseNotifyFifoLine('VS [10.0.0.1]:tcp:80 UP')).toEqual({ ok: true, value: { type: 'checker', text: 'VS [10.0.0.1]:tcp:80 UP' } });
    expect(parseNotifyFifoLine('RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN')).toMatchObject({ ok: true, value: { type: 'checker' } });
  });

  it('garbage, empty and truncated lines give vrrp.fifo_bad_line; an empty text vrrp.empty', () => {
    for (const l of ['', 'hello', 'INSTANCE "VI_1" MAS', 'INSTANCE VI_1 MASTER 100', 'INSTANCE "" MASTER 1', 'INSTANCE "VI_1" master 1', 'INSTANCE "VI_1" MASTER 1x']) {
      expect(code(parseNotifyFifoLine(l)), l).toBe(VRRP_PARSE_ERRORS.fifoBadLine);
    }
    expect(code(parseNotifyFifo(''))).toBe(VRRP_PARSE_ERRORS.empty);
    expect(code(parseNotifyFifo('\n \n'))).toBe(VRRP_PARSE_ERRORS.empty);
    const r = parseNotifyFifo('INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MAS');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^line 2: /);
    expect(parseNotifyFifo('GROUP "G" BACKUP 0\nINSTANCE "VI_1" BACKUP 100\n')).toMatchObject({ ok: true, value: [{ type: 'group' }, { type: 'instance' }] });
  });
});

describe('addresses', () => {
  it('canonical IPv6 as inet_ntop prints it (what `ip -j` shows)', () => {
    expect(canonicalAddress('FD00:0231:0000:0000:0000:0000:0000:0100')).toEqual({ address: 'fd00:231::100', family: 'inet6' });
    expect(canonicalAddress('fe80::1')?.address).toBe('fe80::1');
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')?.address).toBe('2001:db8::1:0:0:1');
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')?.address).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalAddress('::')?.address).toBe('::');
    expect(canonicalAddress('::ffff:10.0.0.1')?.address).toBe('::ffff:10.0.0.1');
    expect(canonicalAddress('10.0.0.1')).toEqual({ address: '10.0.0.1', family: 'inet' });
    expect(canonicalAddress('10.0.0.256')).toBeNull();
    expect(canonicalAddress('vip')).toBeNull();
  });

  it('VIP specs of the dumps and of keepalived.conf', () => {
    expect(parseVipSpec('10.98.0.100/24 dev eth0 scope global label eth0:vip1 set', true)).toEqual({
      address: '10.98.0.100',
      family: 'inet',
      prefixLength: 24,
      device: 'eth0',
      label: 'eth0:vip1',
      set: true,
    });
    expect(parseVipSpec('10.231.1.100/24 dev vrrp.72@eth1 scope global', true)).toMatchObject({ device: 'vrrp.72', set: false });
    expect(parseVipSpec('10.231.0.101 brd 10.231.0.255 dev eth0', false)).toMatchObject({ prefixLength: null, device: 'eth0', set: null });
    expect(parseVipSpec('fd00:231::100/64 dev eth0 scope global set', true)).toMatchObject({ family: 'inet6', prefixLength: 64 });
    expect(parseVipSpec('10.0.0.1/33', false)).toBeNull();
    expect(parseVipSpec('None', true)).toBeNull();
  });
});

describe('JSON dump', () => {
  const lab = input('lab-01-node-a-master', 'keepalived.json');

  it('reads keepalived 2.2.7 (array) and json_version 2 ({"vrrp": [...]}) the same way', () => {
    const a = parseKeepalivedJson(lab);
    const b = parseKeepalivedJson(`{"vrrp":${lab.trim()},"track_process":[]}`);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.value.format).toBe('array');
    expect(b.value.format).toBe('object');
    expect(b.value.instances).toEqual(a.value.instances);
    expect(a.value.instances.map((i) => [i.name, i.state, i.vrid, i.vmacInterface])).toEqual([
      ['VI_WEB', 'MASTER', 71, null],
      ['VI_DB', 'MASTER', 72, 'vrrp.72'],
      ['VI_V6', 'MASTER', 73, null],
    ]);
    expect(a.value.instances[0]?.excludedVips.map((v) => v.address)).toEqual(['10.231.0.102']);
  });

  it('never keeps the VRRP password keepalived 2.2.7 writes in clear (auth_data)', () => {
    const text = input('keepalived-02-node1-vi1-backup-priority-90', 'keepalived.json');
    expect(text).toContain('"auth_data":"s3cr3t"');
    expect(JSON.stringify(parseKeepalivedJson(text))).not.toContain('s3cr3t');
  });

  it('garbage, empty, truncated and wrong shapes give typed errors', () => {
    expect(code(parseKeepalivedJson(''))).toBe(VRRP_PARSE_ERRORS.empty);
    expect(code(parseKeepalivedJson(lab.slice(0, lab.length / 2)))).toBe(VRRP_PARSE_ERRORS.invalidJson);
    expect(code(parseKeepalivedJson('Keepalived v2.2.7'))).toBe(VRRP_PARSE_ERRORS.invalidJson);
    expect(code(parseKeepalivedJson('{"a":1}'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedJson('[{"x":1}]'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedJson('[{"data":{"iname":"VI_1","state":"MASTER"}}]'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedJson('[{"data":{"iname":"VI_1","vips":["nonsense"]}}]'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    // `ip -j addr show` is JSON too, but not keepalived's.
    expect(code(parseKeepalivedJson(input('lab-01-node-a-master', 'ip-j-addr-show.json')))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(parseKeepalivedJson('[]')).toEqual({ ok: true, value: { format: 'array', instances: [] } });
  });
});

describe('text dumps (.data, .stats)', () => {
  it('tells data from stats and reads both', () => {
    const data = parseKeepalivedText(input('lab-02-node-a-v6-priority-90-backup', 'keepalived.data'));
    expect(data.ok && data.value.kind).toBe('data');
    if (data.ok && data.value.kind === 'data') {
      expect(data.value.groups).toEqual([{ name: 'G_WEB', state: 'MASTER', members: ['VI_WEB', 'VI_DB'] }]);
      expect(data.value.instances.find((i) => i.name === 'VI_V6')).toMatchObject({
        state: 'BACKUP',
        wantState: 'BACKUP',
        basePriority: 150,
        effectivePriority: 90,
        masterPriority: 100,
        masterRouter: expect.stringMatching(/^fe80::/),
        version: 3,
        interface: 'eth0',
      });
      expect(data.value.instances.find((i) => i.name === 'VI_DB')).toMatchObject({ interface: 'vrrp.72', baseInterface: 'eth1', vmacInterface: 'vrrp.72', syncGroup: 'G_WEB' });
    }
    const stats = parseKeepalivedText(input('lab-02-node-a-v6-priority-90-backup', 'keepalived.stats'));
    expect(stats.ok && stats.value.kind).toBe('stats');
    if (stats.ok && stats.value.kind === 'stats') expect(stats.value.instances.map((i) => i.name)).toEqual(['VI_WEB', 'VI_DB', 'VI_V6']);
  });

  it('never keeps the password the data dump prints (keepalived 2.2.7 "Password = …")', () => {
    const text = input('keepalived-02-node1-vi1-backup-priority-90', 'keepalived.data');
    expect(text).toContain('Password = s3cr3t');
    expect(JSON.stringify(parseKeepalivedText(text))).not.toContain('s3cr3t');
  });

  it('garbage, empty, truncated and bad values give typed errors', () => {
    expect(code(parseKeepalivedText(''))).toBe(VRRP_PARSE_ERRORS.empty);
    expect(code(parseKeepalivedText('hello\nworld\n'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    const data = input('lab-01-node-a-master', 'keepalived.data');
    // Cut before the VRRP section: only global definitions (a keepalived without VRRP instances prints that too).
    expect(parseKeepalivedText(data.slice(0, data.indexOf('------< VRRP Topology'))).ok).toBe(true);
    expect(code(parseKeepalivedText(data.replace('Virtual Router ID = 71', 'Virtual Router ID = x')))).toBe(VRRP_PARSE_ERRORS.badValue);
    expect(code(parseKeepalivedText(data.replace('     10.231.0.101 dev eth0', '     nonsense dev eth0')))).toBe(VRRP_PARSE_ERRORS.badValue);
    // Cut in the middle of an instance: what is there is read.
    const cut = parseKeepalivedText(data.slice(0, data.indexOf('VRRP Instance = VI_DB') + 30));
    expect(cut.ok && cut.value.kind === 'data' && cut.value.instances.map((i) => i.name)).toEqual(['VI_WEB', 'VI_DB']);
  });
});

describe('ip -j addr show', () => {
  it('reads interfaces, flags, the VMAC parent and addresses', () => {
    const r = parseIpAddrJson(input('lab-01-node-a-master', 'ip-j-addr-show.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((i) => [i.name, i.up, i.lowerUp, i.link])).toEqual([
      ['lo', true, true, null],
      ['eth0', true, true, null],
      ['eth1', true, true, null],
      ['vrrp.72', true, true, 'eth1'],
    ]);
    expect(r.value[1]?.addresses.map((a) => a.address)).toEqual(['10.231.0.11', '10.231.0.101', '10.231.0.100', '10.231.0.102', 'fd00:231::100', expect.stringMatching(/^fe80::/)]);
  });

  it('NO-CARRIER: UP without LOWER_UP (timeline vrrp-carrier-fault, node-b)', () => {
    const r = parseIpAddrJson(input('timeline-carrier-fault-node-b-t8500', 'ip-j-addr-show.json'));
    expect(r.ok && r.value.find((i) => i.name === 'eth0')).toMatchObject({ up: true, lowerUp: false, operstate: 'DOWN' });
  });

  it('skips the {} that older iproute2 prints for links a family filter emptied', () => {
    expect(parseIpAddrJson('[{},{"ifname":"eth0","flags":["UP"],"addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24}]}]')).toMatchObject({
      ok: true,
      value: [{ name: 'eth0', up: true, lowerUp: false, addresses: [{ address: '10.0.0.1' }] }],
    });
  });

  it('garbage, empty, truncated and wrong shapes give typed errors', () => {
    const text = input('lab-01-node-a-master', 'ip-j-addr-show.json');
    expect(code(parseIpAddrJson(''))).toBe(VRRP_PARSE_ERRORS.empty);
    expect(code(parseIpAddrJson(text.slice(0, 100)))).toBe(VRRP_PARSE_ERRORS.invalidJson);
    expect(code(parseIpAddrJson('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536'))).toBe(VRRP_PARSE_ERRORS.invalidJson);
    expect(code(parseIpAddrJson('{"ifname":"lo"}'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseIpAddrJson('[1,2]'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseIpAddrJson('[{"mtu":1500}]'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseIpAddrJson('[{"ifname":"eth0","addr_info":{}}]'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseIpAddrJson(input('lab-01-node-a-master', 'keepalived.json')))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
  });
});

describe('keepalived.conf', () => {
  it('reads the lab configuration: instances, sync group, notify FIFO', () => {
    const r = parseKeepalivedConf(input('lab-01-node-a-master', 'keepalived.conf'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.instances.map((i) => [i.name, i.interface, i.vrid, i.priority, i.state, i.version, i.vmacInterface])).toEqual([
      ['VI_WEB', 'eth0', 71, 150, 'BACKUP', null, null],
      ['VI_DB', 'eth1', 72, 150, 'BACKUP', null, 'vrrp.72'],
      ['VI_V6', 'eth0', 73, 150, 'BACKUP', 3, null],
    ]);
    expect(r.value.instances[0]?.vips.map((v) => [v.address, v.prefixLength, v.device, v.label])).toEqual([
      ['10.231.0.100', 24, 'eth0', 'eth0:web'],
      ['10.231.0.101', null, null, null],
    ]);
    expect(r.value.instances[0]?.excludedVips.map((v) => v.address)).toEqual(['10.231.0.102']);
    expect(r.value.vrrpNotifyFifo).toBe('/run/keepalived/notify.fifo');
    expect(r.value.warnings).toEqual([]);
  });

  it('braces on the next line or on one line, comments, quoted strings, defaults, includes', () => {
    const text = [
      '# comment',
      '! another comment',
      'include /etc/keepalived/conf.d/*.conf',
      'global_defs',
      '{',
      '  notify_fifo "/run/keepalived/all.fifo"   # both daemons',
      '}',
      'vrrp_instance VI_A',
      '{',
      '  interface eth0 ! trailing comment',
      '  virtual_router_id 9',
      '  use_vmac vmac9',
      '  nopreempt',
      '  virtual_ipaddress { 192.0.2.1/24 }',
      '  virtual_ipaddress {',
      '    2001:DB8::1',
      '  }',
      '  authentication {',
      '    auth_type PASS',
      '  }',
      '}',
      'vrrp_sync_group G { group { VI_A } }',
    ].join('\n');
    const r = parseKeepalivedConf(text);
    expect(r).toMatchObject({
      ok: true,
      value: {
        includes: ['/etc/keepalived/conf.d/*.conf'],
        notifyFifo: '/run/keepalived/all.fifo',
        vrrpNotifyFifo: null,
        groups: [{ name: 'G', members: ['VI_A'] }],
        instances: [
          {
            name: 'VI_A',
            interface: 'eth0',
            vrid: 9,
            priority: 100,
            state: null,
            vmacInterface: 'vmac9',
            nopreempt: true,
            vips: [
              { address: '192.0.2.1', prefixLength: 24 },
              { address: '2001:db8::1', family: 'inet6' },
            ],
          },
        ],
      },
    });
  });

  it("conditional `@id` lines follow the config id; without one they are skipped with a warning", () => {
    const text = 'vrrp_instance VI_1 {\n  @node1 priority 150\n  @^node1 priority 100\n  virtual_router_id 5\n}\n';
    const p = (id: string | null) => {
      const r = parseKeepalivedConf(text, id);
      return r.ok ? [r.value.instances[0]?.priority, r.value.warnings.length] : r.error.code;
    };
    expect(p('node1')).toEqual([150, 0]);
    expect(p('node2')).toEqual([100, 0]);
    expect(p(null)).toEqual([100, 2]);
  });

  it('garbage, empty, truncated and bad values give typed errors', () => {
    const text = input('lab-01-node-a-master', 'keepalived.conf');
    expect(code(parseKeepalivedConf(''))).toBe(VRRP_PARSE_ERRORS.empty);
    expect(code(parseKeepalivedConf('  \n# only a comment\n'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedConf('hello world\n'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedConf(input('lab-01-node-a-master', 'keepalived.json')))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedConf('\u0000\u0001binary'))).toBe(VRRP_PARSE_ERRORS.unknownFormat);
    expect(code(parseKeepalivedConf(text.slice(0, text.indexOf('vrrp_instance VI_DB') + 40)))).toBe(VRRP_PARSE_ERRORS.confSyntax);
    expect(code(parseKeepalivedConf('global_defs {\n}\n}\n'))).toBe(VRRP_PARSE_ERRORS.confSyntax);
    expect(code(parseKeepalivedConf('{\n}\n'))).toBe(VRRP_PARSE_ERRORS.confSyntax);
    expect(code(parseKeepalivedConf(text.replace('virtual_router_id 71', 'virtual_router_id 300')))).toBe(VRRP_PARSE_ERRORS.badValue);
    expect(code(parseKeepalivedConf(text.replace('priority 150', 'priority high')))).toBe(VRRP_PARSE_ERRORS.badValue);
    expect(code(parseKeepalivedConf('vrrp_instance {\n}\n'))).toBe(VRRP_PARSE_ERRORS.badValue);
    // A VIP this parser cannot read is a warning, not a failure of the whole file.
    const r = parseKeepalivedConf('vrrp_instance VI_1 {\n virtual_ipaddress {\n  10.0.0.1-5\n  10.0.0.9\n }\n}\n');
    expect(r.ok && [r.value.instances[0]?.vips.length, r.value.warnings.length]).toEqual([1, 1]);
  });
});

describe('VRRP_PARSE_SOURCES', () => {
  it('names the five sources and never throws on garbage', () => {
    expect(Object.keys(VRRP_PARSE_SOURCES).sort()).toEqual(['ip-addr-json', 'keepalived-conf', 'keepalived-data', 'keepalived-fifo', 'keepalived-json']);
    for (const [name, s] of Object.entries(VRRP_PARSE_SOURCES)) {
      expect(s.description.length, name).toBeGreaterThan(20);
      for (const g of ['', '\u0000', '{', '[', 'INSTANCE', '}}}}', 'x'.repeat(100_000), '[{"data":null}]', 'null']) {
        const r = s.parse(g);
        expect(r.ok, `${name} on ${JSON.stringify(g.slice(0, 20))}`).toBe(false);
        if (!r.ok) expect(r.error.code, name).toMatch(/^vrrp\.[a-z_]+$/);
      }
    }
  });
});
