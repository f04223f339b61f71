// Validating answers against the OpenAPI document the collector serves, with a real JSON Schema validator
// (ajv, draft 2020-12: the dialect of OpenAPI 3.1 schemas). Nothing here knows the API: it reads the document.
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import type { Plugin, ValidateFunction } from 'ajv';

// ajv-formats is CommonJS: under NodeNext its plugin is the module's `default`.
const addFormats = ((ajvFormats as unknown as { default: Plugin<unknown> }).default ?? ajvFormats) as Plugin<unknown>;

export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; parameters?: unknown[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
}

const pointer = (parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class ResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; re: RegExp; literal: number }[];

  constructor(readonly doc: OpenApiDoc) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(doc as object, 'openapi.json');
    this.templates = Object.keys(doc.paths).map((template) => ({
      template,
      re: new RegExp(`^${template.split('/').map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
      literal: template.split('/').filter((s) => !s.startsWith('{')).length,
    }));
  }

  /** The document's path template that serves `url` (the most literal one when several match). */
  templateOf(url: string): string | null {
    const path = url.split('?')[0] as string;
    const found = this.templates.filter((t) => t.re.test(path)).sort((a, b) => b.literal - a.literal);
    return found[0]?.template ?? null;
  }

  /** The JSON schema of an answer, or null when the document declares none for it. */
  schemaFor(method: string, template: string, status: number): object | null {
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    const schema = op?.responses[String(status)]?.content?.['application/json']?.schema;
    return schema === undefined ? null : (schema as object);
  }

  /** Validate one answer; returns the problems (empty when it matches). */
  check(method: string, url: string, status: number, body: unknown): string[] {
    const template = this.templateOf(url);
    if (template === null) return [`${method} ${url}: no path of the document serves it`];
    if (this.schemaFor(method, template, status) === null) return [`${method} ${url}: the document declares no JSON schema for ${status}`];
    const ref = `openapi.json#/${pointer(['paths', template, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema'])}`;
    let validate = this.cache.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.cache.set(ref, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 10).map((e) => `${method} ${url} ${status}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
}
