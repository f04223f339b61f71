// The text exposition formats, written by hand: Prometheus text 0.0.4 and OpenMetrics 1.0.0.
// Why not prom-client's renderer: 50k gauge series cost 110-134 ms there (docs/npm-stack.md §5), so 100k about the
// whole 250 ms budget, and prom-client 15.1.3 renames counters in place for OpenMetrics
// (`metric.name = standardizeCounterName(...)`), so after one OpenMetrics scrape (Prometheus asks for it) a
// text scrape shows `hawatch_ingest_batches{...}` without `_total`.

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface FamilySpec {
  /** Full name as users query it; counters end in `_total`. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Label names in the order they are rendered. */
  readonly labels: readonly string[];
}

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NEEDS_ESCAPE = /[\\"\n]/;

export const escapeLabelValue = (v: string): string =>
  NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;

const escapeHelp = (h: string, openMetrics: boolean): string => {
  const s = h.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? s.replace(/"/g, '\\"') : s;
};

export const formatValue = (v: number): string => {
  if (Number.isInteger(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
};

/**
 * One metric family: HELP/TYPE once, then its samples. Samples are kept as pieces in one array and joined once per
 * scrape: the label prefix of a one-hot object and the state suffixes are shared strings, so 100k series allocate
 * little (lines built by concatenation spent half of a 100k-series scrape in GC).
 * Callers give each label set once; the renderer dedupes where a report could repeat an object.
 */
export class Family {
  private readonly parts: string[] = [];
  private count = 0;
  private readonly prefixes: string[];
  private readonly stateSuffix = new Map<string, string>();

  constructor(
    readonly spec: FamilySpec,
    private readonly openMetrics: boolean,
  ) {
    // `name{label="` for each label position, built once per family rather than per sample.
    this.prefixes = spec.labels.map((l, i) => `${i === 0 ? `${spec.name}{` : ','}${l}="`);
  }

  get size(): number {
    return this.count;
  }

  /** Pushes `name{l1="v1",l2="v2"` for the given values (no closing brace), or just the name without labels. */
  private open(values: readonly string[]): void {
    if (values.length === 0) {
      this.parts.push(this.spec.name);
      return;
    }
    for (let i = 0; i < values.length; i++) this.parts.push(this.prefixes[i] as string, escapeLabelValue(values[i] as string), '"');
  }

  /** A sample with the family's labels, values in the order of spec.labels. */
  set(values: readonly string[], value: number): void {
    this.open(values);
    this.parts.push(values.length === 0 ? ' ' : '} ', formatValue(value), '\n');
    this.count++;
  }

  /**
   * One-hot over a vocabulary: the last label is the state. Every known state gets a series (0 or 1), so a query
   * for state="X" has a 0 to read; a value outside the vocabulary gets a series of its own.
   */
  oneHot(values: readonly string[], known: readonly string[], value: string): void {
    let p = '';
    for (let i = 0; i < values.length; i++) p += `${this.prefixes[i]}${escapeLabelValue(values[i] as string)}"`;
    let seen = false;
    for (const s of known) {
      const hit = s === value;
      seen ||= hit;
      this.parts.push(p, this.suffix(s, values.length), hit ? ' 1\n' : ' 0\n');
    }
    if (!seen) this.parts.push(p, this.suffix(value, values.length), ' 1\n');
    this.count += known.length + (seen ? 0 : 1);
  }

  private suffix(state: string, position: number): string {
    let x = this.stateSuffix.get(state);
    if (x === undefined) {
      const label = this.spec.labels[position] ?? 'state';
      x = `${position === 0 ? `${this.spec.name}{` : ','}${label}="${escapeLabelValue(state)}"}`;
      this.stateSuffix.set(state, x);
    }
    return x;
  }

  /** A sample with arbitrary labels and name suffix (counters and histograms from prom-client). */
  setRaw(sampleName: string, labels: Readonly<Record<string, string | number>>, value: number): void {
    const keys = Object.keys(labels);
    const l = keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabelValue(String(labels[k]))}"`).join(',')}}`;
    this.parts.push(sampleName, l, ' ', formatValue(value), '\n');
    this.count++;
  }

  render(out: string[]): void {
    // OpenMetrics names a counter family without `_total`; its samples keep it.
    const name = this.openMetrics && this.spec.type === 'counter' ? this.spec.name.replace(/_total$/, '') : this.spec.name;
    out.push(`# HELP ${name} ${escapeHelp(this.spec.help, this.openMetrics)}\n# TYPE ${name} ${this.spec.type}\n`);
    for (const x of this.parts) out.push(x);
  }
}

/** The families of one scrape, rendered in the order they were added. */
export class Exposition {
  private readonly families: Family[] = [];
  private readonly byName = new Map<string, Family>();

  constructor(readonly openMetrics: boolean) {}

  get contentType(): string {
    return this.openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
  }

  family(spec: FamilySpec): Family {
    const existing = this.byName.get(spec.name);
    if (existing) return existing;
    const f = new Family(spec, this.openMetrics);
    this.families.push(f);
    this.byName.set(spec.name, f);
    return f;
  }

  /** Samples rendered (HELP/TYPE lines not counted). */
  get samples(): number {
    let n = 0;
    for (const f of this.families) n += f.size;
    return n;
  }

  text(): string {
    const out: string[] = [];
    for (const f of this.families) f.render(out);
    // OpenMetrics forbids blank lines and ends with `# EOF`.
    if (this.openMetrics) out.push('# EOF\n');
    return out.join('');
  }
}
