// Cell values in MIB terms → the BER type and value net-snmp writes, chosen by the object's SYNTAX in the MIB.
import { isIP } from 'node:net';
import snmp from 'net-snmp';
import { SNMP_ERRORS, SnmpError } from './errors.js';
import type { MibObject } from './mib.js';
import type { CellValue } from './rows.js';

export type WireValue = string | number | Buffer;

export interface Encoded {
  type: snmp.ObjectType;
  value: WireValue;
}

const U32_MAX = 0xffffffff;

const bad = (o: MibObject, v: unknown, why: string): SnmpError =>
  new SnmpError(SNMP_ERRORS.value, `${o.name} (${o.syntax}): ${why}: ${JSON.stringify(v)}`);

/** DateAndTime (SNMPv2-TC), in UTC with the explicit "+0:0" offset: 11 octets. */
export const dateAndTime = (d: Date): Buffer => {
  const b = Buffer.alloc(11);
  b.writeUInt16BE(d.getUTCFullYear(), 0);
  b[2] = d.getUTCMonth() + 1;
  b[3] = d.getUTCDate();
  b[4] = d.getUTCHours();
  b[5] = d.getUTCMinutes();
  b[6] = d.getUTCSeconds();
  b[7] = Math.floor(d.getUTCMilliseconds() / 100);
  b[8] = 0x2b; // '+'
  return b;
};

const ipv6Bytes = (text: string): Buffer | null => {
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4?.[1] !== undefined) {
    tail.push(...v4[1].split('.').map(Number));
    s = `${s.slice(0, -v4[1].length)}0:0`; // two placeholder groups, replaced below
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string | undefined) => (h === undefined || h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const all = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...rest];
  if (all.length !== 8) return null;
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length === 4) tail.forEach((x, i) => (b[12 + i] = x));
  return b;
};

/** An address as InetAddress (RFC 4001) octets: 4 for IPv4, 16 for IPv6. */
export const inetAddress = (text: string): Buffer | null => {
  const kind = isIP(text);
  if (kind === 4) return Buffer.from(text.split('.').map(Number));
  if (kind === 6) return ipv6Bytes(text);
  return null;
};

/** UTF-8 octets, cut on a character boundary so the result stays valid UTF-8. */
export const utf8Within = (s: string, max: number): Buffer => {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && ((b[end] as number) & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
};

const integer = (o: MibObject, v: CellValue, min: number, max: number): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(o, v, 'needs a number');
  return Math.min(max, Math.max(min, Math.round(v)));
};

/** Encode one value for `o`; throws SnmpError(snmp.value) when the value does not fit the object. */
export const encodeValue = (o: MibObject, v: CellValue): Encoded => {
  const T = snmp.ObjectType;
  if (o.enumeration !== null) {
    const label = typeof v === 'boolean' ? String(v) : v;
    if (typeof label !== 'string') throw bad(o, v, 'needs an enumeration label');
    const n = o.enumeration.get(label);
    if (n === undefined) throw bad(o, v, `not one of ${[...o.enumeration.keys()].join(', ')}`);
    return { type: T.Integer, value: n };
  }
  switch (o.syntax) {
    case 'DateAndTime':
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw bad(o, v, 'needs a Date');
      return { type: T.OctetString, value: dateAndTime(v) };
    case 'HaInetAddress': {
      const b = typeof v === 'string' ? inetAddress(v) : null;
      if (b === null) throw bad(o, v, 'needs an IPv4 or IPv6 address');
      return { type: T.OctetString, value: b };
    }
  }
  switch (o.type) {
    case T.OctetString:
      if (typeof v !== 'string') throw bad(o, v, 'needs a string');
      return { type: T.OctetString, value: utf8Within(v, o.maxSize ?? 65535) };
    case T.OID:
      if (typeof v !== 'string' || !/^\d+(\.\d+)+$/.test(v)) throw bad(o, v, 'needs a dotted OID');
      return { type: T.OID, value: v };
    case T.Integer:
      return { type: T.Integer, value: integer(o, v, -0x80000000, 0x7fffffff) };
    case T.Gauge:
    case T.Counter:
    case T.TimeTicks:
      return { type: o.type, value: integer(o, v, 0, U32_MAX) };
    default:
      throw bad(o, v, `BER type ${o.type} is not served`);
  }
};
