// Pure parsers for SBD (`sbd -d DEV [-d DEV2] dump`, `sbd -d DEV list`, sbd 1.5) and Pacemaker's fencing history
// (`stonith_admin --history '*' --output-as=xml [--verbose]`; the <fence_history> of `crm_mon --output-as=xml` is
// read the same way). No I/O, clock or environment. Never throws.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ParseError, parsed, parseFailed, type ParseResult } from '../../lib/errors.js';
import type { FenceEvent, FencingProblem, SbdHeader, SbdSlot, StonithHistory } from '../../protocol/fencing.js';

/** Stable error codes of these parsers. */
export const FENCING_PARSE_ERRORS = {
  empty: 'fencing.empty',
  unknownFormat: 'fencing.unknown_format',
  badLine: 'fencing.bad_line',
  badValue: 'fencing.bad_value',
  truncated: 'fencing.truncated',
  notXml: 'fencing.not_xml',
  invalidXml: 'fencing.invalid_xml',
  /** sbd could not read the device ("== disk DEV unreadable!", "NOT dumped") */
  sbdUnreadable: 'fencing.sbd_unreadable',
} as const;

// ---------------------------------------------------------------------------------------------------------
// sbd dump

export interface SbdDumpEntry {
  device: string;
  header: SbdHeader | null;
  error: FencingProblem | null;
}

const HEADER_KEYS: Readonly<Record<string, string>> = {
  'Header version': 'version',
  UUID: 'uuid',
  'Number of slots': 'slots',
  'Sector size': 'sectorSize',
  'Timeout (watchdog)': 'watchdogTimeoutSeconds',
  'Timeout (allocate)': 'allocateTimeoutSeconds',
  'Timeout (loop)': 'loopTimeoutSeconds',
  'Timeout (msgwait)': 'msgwaitTimeoutSeconds',
};
const INT_FIELDS = ['slots', 'sectorSize', 'watchdogTimeoutSeconds', 'allocateTimeoutSeconds', 'loopTimeoutSeconds', 'msgwaitTimeoutSeconds'] as const;

/** sbd's own closing line on any failure; carries nothing device-specific. */
const SBD_FAILED = /^sbd failed; please check the logs\.$/;

/**
 * `sbd -d DEV [-d DEV ...] dump`: one header per device. A device sbd could not read is an entry with `error`
 * (sbd 1.5.2 prints "== disk DEV unreadable!" / "==Header on disk DEV NOT dumped", exit 1). Lines may come in any
 * order between devices when stdout and stderr were captured together (stdout is block-buffered).
 */
export const parseSbdDump = (text: string): ParseResult<SbdDumpEntry[]> => {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return parseFailed(FENCING_PARSE_ERRORS.empty, 'empty sbd dump output');
  const entries = new Map<string, { fields: Record<string, string>; done: boolean; error: FencingProblem | null }>();
  const entry = (dev: string) => {
    let e = entries.get(dev);
    if (!e) {
      e = { fields: {}, done: false, error: null };
      entries.set(dev, e);
    }
    return e;
  };
  let cur: string | null = null;
  for (const [i, line] of lines.entries()) {
    let m: RegExpExecArray | null;
    if ((m = /^==Dumping header on disk (.+)$/.exec(line))) {
      cur = m[1]!;
      entry(cur);
      continue;
    }
    if ((m = /^==Header on disk (.+) is dumped$/.exec(line))) {
      entry(m[1]!).done = true;
      continue;
    }
    if ((m = /^==Header on disk (.+) NOT dumped$/.exec(line)) || (m = /^== disk (.+) unreadable!$/.exec(line))) {
      entry(m[1]!).error ??= { code: FENCING_PARSE_ERRORS.sbdUnreadable, message: `sbd could not read the header of ${m[1]!}` };
      continue;
    }
    if (SBD_FAILED.test(line)) continue;
    if ((m = /^([A-Za-z][\w ()]*?)\s*:\s*(.*)$/.exec(line)) && HEADER_KEYS[m[1]!] !== undefined && cur !== null) {
      entry(cur).fields[HEADER_KEYS[m[1]!]!] = m[2]!.trim();
      continue;
    }
    const code = i === 0 && entries.size === 0 ? FENCING_PARSE_ERRORS.unknownFormat : FENCING_PARSE_ERRORS.badLine;
    return parseFailed(code, `line ${i + 1} of sbd dump not understood: ${line.slice(0, 200)}`);
  }
  if (entries.size === 0) return parseFailed(FENCING_PARSE_ERRORS.unknownFormat, 'no "==Dumping header on disk" line');
  const out: SbdDumpEntry[] = [];
  for (const [device, e] of entries) {
    if (e.error) {
      out.push({ device, header: null, error: e.error });
      continue;
    }
    if (!e.done) return parseFailed(FENCING_PARSE_ERRORS.truncated, `header of ${device} not complete (no "is dumped" line)`);
    const f = e.fields;
    const header: Record<string, unknown> = { version: f['version'] ?? '', uuid: f['uuid'] === undefined || f['uuid'] === '' ? null : f['uuid'] };
    for (const k of INT_FIELDS) {
      const v = f[k];
      if (v === undefined || !/^\d+$/.test(v)) return parseFailed(FENCING_PARSE_ERRORS.badValue, `header of ${device}: ${k} is ${v === undefined ? 'missing' : `"${v}"`}`);
      header[k] = Number(v);
    }
    if (header['version'] === '') return parseFailed(FENCING_PARSE_ERRORS.badValue, `header of ${device}: no version`);
    out.push({ device, header: header as SbdHeader, error: null });
  }
  return parsed(out);
};

// ---------------------------------------------------------------------------------------------------------
// sbd list

/**
 * `sbd -d DEV list`: `SLOT<TAB>NODE<TAB>MESSAGE<TAB>SOURCE` per allocated slot (sbd 1.5.2; SOURCE empty until a
 * message was written). No output = no slot allocated. "== Slots on disk DEV NOT dumped" = unreadable device.
 */
export const parseSbdList = (text: string): ParseResult<SbdSlot[]> => {
  const lines = text.replace(/^\uFEFF/, '').split('\n').filter((l) => l.trim() !== '');
  const slots: SbdSlot[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (/^==\s*Slots on disk (.+) NOT dumped$/.test(line.trim())) {
      return parseFailed(FENCING_PARSE_ERRORS.sbdUnreadable, `sbd could not read the slots: ${line.trim().slice(0, 200)}`);
    }
    if (SBD_FAILED.test(line.trim())) continue;
    const f = line.split('\t').map((x) => x.trim());
    if (f.length < 3 || f.length > 4 || !/^\d+$/.test(f[0]!) || f[1] === '' || f[2] === '') {
      const code = i === 0 ? FENCING_PARSE_ERRORS.unknownFormat : FENCING_PARSE_ERRORS.badLine;
      return parseFailed(code, `line ${i + 1} of sbd list not understood: ${line.slice(0, 200)}`);
    }
    slots.push({ slot: Number(f[0]), node: f[1]!, message: f[2]!, source: f[3] === undefined || f[3] === '' ? null : f[3] });
  }
  return parsed(slots.sort((a, b) => a.slot - b.slot));
};

// ---------------------------------------------------------------------------------------------------------
// stonith_admin --history (and crm_mon's fence_history)

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  isArray: (name) => ['fence_event', 'error', 'list'].includes(name),
});

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : undefined);
const arr = (v: unknown): Raw[] => (Array.isArray(v) ? (v as unknown[]).map((x) => obj(x) ?? {}) : []);
const attr = (o: Raw | undefined, k: string): string | null => {
  const v = o?.[k];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** `2026-11-23 20:44:10Z` → ISO 8601; anything else is kept as printed. */
const isoTime = (v: string | null): string | null => {
  if (v === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(v);
  return m ? `${m[1]}T${m[2]}${m[3] ?? ''}${m[4]}` : v;
};

/** Pacemaker 2.0-3.x print success, failed or pending; anything else (e.g. a future "cancelled") counts as failed. */
const fenceStatus = (v: string | null): FenceEvent['status'] => {
  const l = (v ?? '').toLowerCase();
  if (l.includes('pending')) return 'pending';
  if (l === 'success' || l === 'ok' || l === 'done') return 'success';
  return 'failed';
};

const fenceEvent = (e: Raw): FenceEvent => {
  const target = attr(e, 'target');
  if (target === null) throw new ParseError(FENCING_PARSE_ERRORS.badValue, '<fence_event> without target');
  return {
    target,
    action: attr(e, 'action') ?? 'unknown',
    status: fenceStatus(attr(e, 'status')),
    delegate: attr(e, 'delegate'),
    client: attr(e, 'client'),
    origin: attr(e, 'origin'),
    completed: isoTime(attr(e, 'completed')),
    exitReason: attr(e, 'exit-reason') ?? attr(e, 'exitreason'),
  };
};

/**
 * `stonith_admin --history '*' --output-as=xml [--verbose]` (Pacemaker 2.1+, `<list name="fencing history">`), or the
 * `<fence_history>` section of `crm_mon --output-as=xml`. An error result (102 "Not connected" when the fencer is not
 * running) gives `connected: false`, not a parse error.
 */
export const parseStonithHistory = (text: string): ParseResult<StonithHistory> => {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return parseFailed(FENCING_PARSE_ERRORS.empty, 'empty stonith_admin output');
  if (!trimmed.startsWith('<')) return parseFailed(FENCING_PARSE_ERRORS.notXml, `not XML: ${trimmed.split('\n', 1)[0]!.slice(0, 200)}`);
  const valid = XMLValidator.validate(trimmed);
  if (valid !== true) return parseFailed(FENCING_PARSE_ERRORS.invalidXml, `malformed or truncated XML at line ${valid.err.line}: ${valid.err.msg}`);
  try {
    const doc = xml.parse(trimmed) as Raw;
    const root = obj(doc['pacemaker-result']);
    if (!root) return parseFailed(FENCING_PARSE_ERRORS.unknownFormat, `root element is not <pacemaker-result>: ${Object.keys(doc).join(',')}`);
    const request = attr(root, 'request') ?? '';
    const prog = request.trim().split(/\s+/)[0] ?? '';
    if (prog !== '' && !/(^|\/)(stonith_admin|crm_mon)$/.test(prog)) {
      return parseFailed(FENCING_PARSE_ERRORS.unknownFormat, `a result of "${request.slice(0, 100)}", not of stonith_admin or crm_mon`);
    }
    const status = obj(root['status']);
    const code = status ? Number(attr(status, 'code') ?? 'NaN') : 0;
    if (!Number.isInteger(code)) return parseFailed(FENCING_PARSE_ERRORS.badValue, '<status> without an integer code');
    const rawErrors = obj(status?.['errors'])?.['error'];
    const errors = (Array.isArray(rawErrors) ? (rawErrors as unknown[]) : [])
      .map((e) => (typeof e === 'string' ? e : String(obj(e)?.['#text'] ?? '')))
      .filter((x) => x !== '');
    // stonith_admin: <list name="fencing history">; crm_mon: <fence_history>
    const list = arr(root['list']).find((l) => attr(l, 'name') === 'fencing history') ?? obj(root['fence_history']);
    if (!list && code === 0) {
      if (/(^|\/)crm_mon$/.test(prog) && obj(root['summary'])) {
        return parsed({ connected: true, code: 0, message: attr(status, 'message') ?? 'OK', errors, events: [] });
      }
      return parseFailed(FENCING_PARSE_ERRORS.unknownFormat, 'no fencing history list and no error status');
    }
    return parsed({
      // 102 = CRM_EX_DISCONNECT: the fencer cannot be reached; other codes with no list are errors of another kind
      connected: list !== undefined || code !== 102,
      code,
      message: attr(status, 'message') ?? (code === 0 ? 'OK' : ''),
      errors,
      events: arr(list?.['fence_event']).map(fenceEvent),
    });
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e };
    return parseFailed(FENCING_PARSE_ERRORS.invalidXml, `XML parser failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
};
