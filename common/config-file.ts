// Loading a YAML config file against a typebox schema: defaults come from the schema, and a bad file
// is reported as `file: key: reason` so that an operator can fix it without reading code.
import { readFileSync } from 'node:fs';
import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { parseDocument } from 'yaml';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config.invalid';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** JSON-pointer-ish instance path → dotted key, e.g. `/probes/pacemaker/intervalSeconds` → `probes.pacemaker.intervalSeconds`. */
const keyOf = (instancePath: string): string =>
  instancePath === '' ? '(top level)' : instancePath.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');

interface SchemaErrorLike {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/** Turn typebox's error list into one line per problem, dropping the noise typebox adds for the same cause. */
export const describeSchemaErrors = (errors: readonly SchemaErrorLike[]): string[] => {
  const lines: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'boolean') continue; // the per-key echo of an additionalProperties failure
    if (e.keyword === 'additionalProperties') {
      const extra = e.params['additionalProperties'];
      const names = Array.isArray(extra) ? extra.map(String) : [];
      for (const n of names) lines.push(`${keyOf(`${e.instancePath}/${n}`)}: unknown key`);
      if (names.length === 0) lines.push(`${keyOf(e.instancePath)}: unknown key`);
      continue;
    }
    if (e.keyword === 'required') {
      const req = e.params['requiredProperties'];
      const names = Array.isArray(req) ? req.map(String) : [];
      for (const n of names) lines.push(`${keyOf(`${e.instancePath}/${n}`)}: required key is missing`);
      if (names.length === 0) lines.push(`${keyOf(e.instancePath)}: ${e.message}`);
      continue;
    }
    lines.push(`${keyOf(e.instancePath)}: ${e.message}`);
  }
  return [...new Set(lines)];
};

/** Validate an already-parsed value (from YAML, or built in code) and apply the schema's defaults. */
export const validateConfig = <S extends TSchema>(schema: S, raw: unknown, file: string): Static<S> => {
  const withDefaults = Value.Default(schema, Value.Clone(raw ?? {}));
  if (!Value.Check(schema, withDefaults)) {
    throw new ConfigError(file, describeSchemaErrors([...Value.Errors(schema, withDefaults)] as SchemaErrorLike[]));
  }
  return withDefaults as Static<S>;
};

export const parseConfigText = <S extends TSchema>(schema: S, text: string, file: string): Static<S> => {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0] ?? e.message}`));
  }
  return validateConfig(schema, doc.toJS(), file);
};

export const loadConfigFile = <S extends TSchema>(schema: S, file: string): Static<S> => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read the file: ${(e as Error).message}`]);
  }
  return parseConfigText(schema, text, file);
};

/** A secret given inline or as a file (systemd credentials, Kubernetes secrets): the file wins. */
export const readSecret = (inline: string | undefined, file: string | undefined, what: string, configFile: string): string | undefined => {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new ConfigError(configFile, [`${what}: cannot read ${file}: ${(e as Error).message}`]);
    }
  }
  return inline;
};
