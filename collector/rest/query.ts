// OData query options as Redfish uses them: $select, $expand (one level), $top/$skip on collections and
// $filter on Events. Anything else starting with $ (and any other parameter) is refused with a 400 naming it.
import Type from 'typebox';
import { ApiError } from './errors.js';
import { FilterError, parseFilter, type Comparison } from './filter.js';

/** `*` every link; `.` links outside Links (Members, sub-collections); `~` links inside Links only. */
export type ExpandMode = '*' | '.' | '~';

export interface QueryOptions {
  select: string[] | null;
  expand: ExpandMode | null;
  top: number | null;
  skip: number;
  filter: Comparison[];
}

export interface QueryTarget {
  collection: boolean;
  filterable: boolean;
  /** Property names $select may name: the resource's, or for a collection its members'. */
  selectable: readonly string[];
  maxTop: number;
}

export const QUERY_ERROR = 'hawatch.rest.query_option';
/** Always returned whatever $select says, as Redfish requires. */
export const ALWAYS_SELECTED = ['@odata.id', '@odata.type', 'Id', 'Name'] as const;

const bad = (option: string, message: string): never => {
  throw new ApiError(400, QUERY_ERROR, `${option}: ${message}`, [`query option ${option} is not valid`]);
};

const EXPAND = /^([*.~])(?:\(\$levels=(\d+)\))?$/;

const single = (raw: Record<string, unknown>, key: string): string | undefined => {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return bad(key, 'given more than once');
  return v;
};

const count = (option: string, text: string, max: number): number => {
  if (!/^\d{1,9}$/.test(text)) return bad(option, `${JSON.stringify(text)} is not a non-negative integer`);
  const n = Number(text);
  if (n > max) return bad(option, `at most ${max}`);
  return n;
};

/** Parse and check the query options of one request against what its target supports. */
export const parseQuery = (raw: Record<string, unknown>, target: QueryTarget): QueryOptions => {
  const allowed = new Set(['$select', '$expand', ...(target.collection ? ['$top', '$skip'] : []), ...(target.filterable ? ['$filter'] : [])]);
  for (const key of Object.keys(raw)) {
    if (allowed.has(key)) continue;
    if (key === '$filter') bad(key, 'only Events supports $filter');
    if (key === '$top' || key === '$skip') bad(key, 'applies to collections only');
    bad(key, key.startsWith('$') ? 'this query option is not supported here' : 'unknown query parameter');
  }
  const out: QueryOptions = { select: null, expand: null, top: null, skip: 0, filter: [] };

  const expand = single(raw, '$expand');
  if (expand !== undefined) {
    const m = EXPAND.exec(expand);
    if (!m) return bad('$expand', `${JSON.stringify(expand)}: use *, . or ~, optionally with ($levels=1)`);
    if (m[2] !== undefined && m[2] !== '1') return bad('$expand', 'only one level ($levels=1) is supported');
    out.expand = m[1] as ExpandMode;
  }

  const select = single(raw, '$select');
  if (select !== undefined) {
    const names = select.split(',').map((s) => s.trim());
    if (names.some((n) => n === '')) return bad('$select', 'an empty property name');
    if (target.collection && out.expand === null) return bad('$select', 'on a collection it selects properties of the members: add $expand=.');
    for (const n of names) if (!target.selectable.includes(n)) bad('$select', `no property ${JSON.stringify(n)} here`);
    out.select = names;
  }

  const top = single(raw, '$top');
  if (top !== undefined) out.top = count('$top', top, target.maxTop);
  const skip = single(raw, '$skip');
  if (skip !== undefined) out.skip = count('$skip', skip, 1_000_000_000);

  const filter = single(raw, '$filter');
  if (filter !== undefined) {
    try {
      out.filter = parseFilter(filter);
    } catch (e) {
      if (e instanceof FilterError) bad('$filter', e.message);
      throw e;
    }
  }
  return out;
};

/** The querystring schema of a route, for validation and for the OpenAPI document. */
export const querySchema = (target: Pick<QueryTarget, 'collection' | 'filterable' | 'maxTop'>) =>
  Type.Object(
    {
      $select: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'comma-separated property names to return (with @odata.id, @odata.type, Id, Name); on a collection, of the expanded members' })),
      $expand: Type.Optional(Type.String({ pattern: EXPAND.source, description: 'put the linked resources in place of navigation links (sub-collections, Members, Links): . those outside Links, ~ those in Links, * both; one level' })),
      ...(target.collection
        ? {
            $top: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: `members on this page (at most ${target.maxTop})` })),
            $skip: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'members to skip' })),
          }
        : {}),
      ...(target.filterable
        ? {
            $filter: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 1000,
                description:
                  "comparisons joined by `and`: Time eq|ne|gt|ge|lt|le RFC 3339 timestamp; Kind, Object, Node eq|ne 'quoted string'. Example: Time ge '2026-11-23T18:00:00Z' and Kind eq 'pcmk_node'",
              }),
            ),
          }
        : {}),
    },
    { additionalProperties: false },
  );

type Json = unknown;
type Schema = { anyOf?: Schema[]; $ref?: string; type?: string; items?: Schema; properties?: Record<string, Schema> };

/** Where a schema lets $expand put a resource in place of a link: properties typed "the resource, or a Link". */
export interface Navigation {
  /** Top-level properties (sub-collections, Members, EventService ...): expanded by `.` and `*`. */
  top: string[];
  /** Properties inside Links: expanded by `~` and `*`. */
  links: string[];
}

const expandable = (s: Schema | undefined): boolean => {
  const target = s?.type === 'array' ? s.items : s;
  const refs = target?.anyOf?.map((x) => x.$ref) ?? [];
  return refs.length === 2 && refs.includes('Link') && refs.some((r) => r !== undefined && r !== 'Link');
};

export const navigationOf = (schema: Schema): Navigation => {
  const props = schema.properties ?? {};
  return {
    top: Object.keys(props).filter((k) => k !== 'Links' && expandable(props[k])),
    links: Object.keys(props['Links']?.properties ?? {}).filter((k) => expandable(props['Links']?.properties?.[k])),
  };
};

const isLink = (v: Json): v is { '@odata.id': string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as Record<string, unknown>)['@odata.id'] === 'string';

/**
 * Replace navigation links by what `resolve` returns for them, one level (resolved bodies are not expanded again).
 * Other links (references such as a resource's reporter) stay links.
 */
export const expand = (body: Record<string, Json>, mode: ExpandMode, nav: Navigation, resolve: (id: string) => Record<string, Json> | null): Record<string, Json> => {
  const one = (v: Json): Json => (isLink(v) ? (resolve(v['@odata.id']) ?? v) : v);
  const each = (v: Json): Json => (Array.isArray(v) ? v.map(one) : one(v));
  const out = { ...body };
  if (mode !== '~') for (const k of nav.top) if (k in out) out[k] = each(out[k]);
  const links = out['Links'];
  if (mode !== '.' && typeof links === 'object' && links !== null) {
    const l = { ...(links as Record<string, Json>) };
    for (const k of nav.links) if (k in l) l[k] = each(l[k]);
    out['Links'] = l;
  }
  return out;
};

/** Keep the selected properties and the ones Redfish always returns. */
export const select = (body: Record<string, Json>, names: readonly string[]): Record<string, Json> => {
  const keep = new Set<string>([...ALWAYS_SELECTED, ...names]);
  return Object.fromEntries(Object.entries(body).filter(([k]) => keep.has(k)));
};
