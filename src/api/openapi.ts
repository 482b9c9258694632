/**
 * An OpenAPI 3.0 document generated from the route schemas as fastify registers them (onRoute), so it
 * cannot drift from what the server validates and serialises.
 */
import type { RouteOptions } from 'fastify';

// The documentation keys of a route schema; fastify ignores them, this module reads them.
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    tags?: readonly string[];
    security?: ReadonlyArray<Record<string, readonly string[]>>;
  }
}

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

type JsonSchema = Record<string, unknown>;

/** JSON Schema draft 7 → OpenAPI 3.0 schema: `type: [x, "null"]` becomes `type: x, nullable: true`. */
function toOpenApi(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApi);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      if (types.length < value.length) out.nullable = true;
      if (types.length === 1) out.type = types[0];
      else out.oneOf = types.map((t) => ({ type: t }));
    } else {
      out[key] = toOpenApi(value);
    }
  }
  return out;
}

function parameters(schema: unknown, where: 'path' | 'query'): object[] {
  const s = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (s?.properties === undefined) return [];
  return Object.entries(s.properties).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: toOpenApi(p),
  }));
}

export class OpenApiBuilder {
  private readonly routes: Collected[] = [];
  private cached: object | null = null;

  constructor(private readonly info: { title: string; version: string; description: string }) {}

  /** Pass to app.addHook('onRoute', ...). */
  readonly onRoute = (route: RouteOptions): void => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      this.routes.push({ method: method.toLowerCase(), url: route.url ?? '', schema: (route.schema ?? {}) as Record<string, unknown> });
    }
  };

  document(): object {
    if (this.cached !== null) return this.cached;
    const paths: Record<string, Record<string, object>> = {};
    for (const r of this.routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const s = r.schema;
      const op: JsonSchema = {
        summary: s.summary,
        tags: s.tags,
        parameters: [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query')],
        responses: {},
      };
      if (s.security !== undefined) op.security = s.security;
      if (s.body !== undefined) {
        op.requestBody = { required: true, content: { 'application/json': { schema: toOpenApi(s.body) } } };
      }
      const responses = (s.response ?? {}) as Record<string, unknown>;
      const out: Record<string, object> = {};
      for (const [status, schema] of Object.entries(responses)) {
        out[status.toUpperCase()] = { description: status, content: { 'application/json': { schema: toOpenApi(schema) } } };
      }
      if (Object.keys(out).length === 0) out['200'] = { description: 'OK' };
      op.responses = out;
      (paths[path] ??= {})[r.method] = op;
    }
    this.cached = {
      openapi: '3.0.3',
      info: this.info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      paths,
    };
    return this.cached;
  }
}
