// $filter on Events: a small subset of OData's grammar, parsed into comparisons that events.ts turns into
// bound SQL parameters (never spliced text).
//
//   filter     = comparison *( "and" comparison )            ; at most 8 comparisons, no "or", no parentheses
//   comparison = property SP operator SP literal
//   property   = "Time" | "Kind" | "Object" | "Node"        ; case-sensitive, as in the Event resource
//   operator   = "eq" | "ne" | "gt" | "ge" | "lt" | "le"    ; gt/ge/lt/le on Time only
//   literal    = "'" *( any char except "'" / "''" ) "'"    ; '' is a quote inside a literal
//              / timestamp                                  ; Time also takes an unquoted RFC 3339 timestamp
//   timestamp  = RFC 3339 date-time with a zone, e.g. 2026-11-23T18:00:00Z or 2026-11-23T19:00:00.5+01:00
//
// Time is the event's EventTimestamp; Node is the reporting node (Links.ReportedBy).
// Example: Time ge '2026-11-23T18:00:00Z' and Kind eq 'pcmk_node' and Object ne 'n1'

export const FILTER_PROPERTIES = ['Time', 'Kind', 'Object', 'Node'] as const;
export type FilterProperty = (typeof FILTER_PROPERTIES)[number];
export const FILTER_OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Comparison =
  | { property: 'Time'; op: FilterOperator; value: number }
  | { property: Exclude<FilterProperty, 'Time'>; op: 'eq' | 'ne'; value: string };

export const MAX_COMPARISONS = 8;

export class FilterError extends Error {
  override readonly name = 'FilterError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1})`);
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

interface Token {
  kind: 'word' | 'string' | 'bare';
  text: string;
  at: number;
}

const tokenize = (s: string): Token[] => {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === "'") {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new FilterError('unterminated string literal', start);
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += s[i];
        i++;
      }
      out.push({ kind: 'string', text, at: start });
      continue;
    }
    const m = /^[A-Za-z0-9_.:+-]+/.exec(s.slice(i));
    if (!m) throw new FilterError(`unexpected character ${JSON.stringify(ch)}`, i);
    out.push({ kind: /^[A-Za-z]+$/.test(m[0]) ? 'word' : 'bare', text: m[0], at: i });
    i += m[0].length;
  }
  return out;
};

const isProperty = (s: string): s is FilterProperty => (FILTER_PROPERTIES as readonly string[]).includes(s);
const isOperator = (s: string): s is FilterOperator => (FILTER_OPERATORS as readonly string[]).includes(s);

/** Parse a $filter value; throws FilterError naming what is wrong and where. */
export const parseFilter = (text: string): Comparison[] => {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new FilterError('empty filter', 0);
  const out: Comparison[] = [];
  let i = 0;
  const next = (what: string): Token => {
    const t = tokens[i++];
    if (!t) throw new FilterError(`expected ${what} but the filter ends`, text.length);
    return t;
  };
  for (;;) {
    const p = next('a property');
    if (!isProperty(p.text)) throw new FilterError(`unknown property ${JSON.stringify(p.text)}; use one of ${FILTER_PROPERTIES.join(', ')}`, p.at);
    const o = next('an operator');
    if (!isOperator(o.text)) throw new FilterError(`unknown operator ${JSON.stringify(o.text)}; use one of ${FILTER_OPERATORS.join(', ')}`, o.at);
    const v = next('a value');
    if (p.text === 'Time') {
      if (v.kind === 'word' || !RFC3339.test(v.text)) throw new FilterError(`Time needs an RFC 3339 timestamp with a zone, e.g. '2026-11-23T18:00:00Z'`, v.at);
      const ms = Date.parse(v.text);
      if (Number.isNaN(ms)) throw new FilterError(`${JSON.stringify(v.text)} is not a valid time`, v.at);
      out.push({ property: 'Time', op: o.text, value: ms });
    } else {
      if (v.kind !== 'string') throw new FilterError(`${p.text} needs a quoted string, e.g. '${p.text === 'Kind' ? 'pcmk_node' : 'n1'}'`, v.at);
      if (o.text !== 'eq' && o.text !== 'ne') throw new FilterError(`${p.text} takes eq or ne only`, o.at);
      out.push({ property: p.text, op: o.text, value: v.text });
    }
    if (out.length > MAX_COMPARISONS) throw new FilterError(`at most ${MAX_COMPARISONS} comparisons`, p.at);
    const joiner = tokens[i++];
    if (!joiner) return out;
    if (joiner.text !== 'and') throw new FilterError(`expected "and" between comparisons, found ${JSON.stringify(joiner.text)}`, joiner.at);
  }
};
