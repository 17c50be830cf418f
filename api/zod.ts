// A small zod <-> Fastify bridge (the idea of fastify-type-provider-zod, in 80 lines and no extra
// dependency): routes declare zod schemas for body, querystring and params; Fastify validates with
// them (every issue listed in the 400), handlers get the parsed, typed values, and the OpenAPI
// document gets their JSON Schema from z.toJSONSchema. Text holding the NUL character, which the
// database cannot store, is refused first, whatever the schema (found by the fuzzed API test).
import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import { z } from 'zod';

export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

export interface Issue {
  /** Where in the input, e.g. "body.items[2].caseId" or "query.page". */
  path: string;
  message: string;
}

/** A request did not match its schema: 400 with every issue. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly part: string,
    readonly issues: Issue[],
  ) {
    super(`invalid ${part}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
  }
}

const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

export function zodIssues(part: string, error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: formatPath([part, ...i.path]), message: i.message }));
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/**
 * Where a request holds the NUL character (U+0000): no PostgreSQL text or jsonb value can store it,
 * so it is refused here with the field named, never a 500 from the database later. Walks the value
 * without recursion (a deeply nested body cannot overflow the stack) and stops at `max` issues.
 */
export function nulIssues(part: string, data: unknown, max = 20): Issue[] {
  interface At {
    key: PropertyKey;
    parent: At | null;
  }
  const pathOf = (at: At | null): string => {
    const keys: PropertyKey[] = [];
    for (let a = at; a; a = a.parent) keys.unshift(a.key);
    return formatPath([part, ...keys]);
  };
  const issues: Issue[] = [];
  const stack: [unknown, At | null][] = [[data, null]];
  while (stack.length > 0 && issues.length < max) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) issues.push({ path: pathOf(at), message: NUL_MESSAGE });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], { key: i, parent: at }]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value).reverse()) {
        const here = { key, parent: at };
        if (key.includes('\u0000')) issues.push({ path: pathOf(here), message: `its name ${NUL_MESSAGE}` });
        stack.push([v, here]);
      }
    }
  }
  return issues;
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const part = PART_NAMES[httpPart ?? 'body'] ?? String(httpPart);
  return (data: unknown) => {
    const nul = nulIssues(part, data);
    if (nul.length > 0) return { error: new RequestValidationError(part, nul) };
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(part, zodIssues(part, result.error)) };
  };
};

export function isZod(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return json;
}

/** @fastify/swagger `transform`: zod schemas -> JSON Schema in the OpenAPI document. */
export function swaggerTransform({
  schema,
  url,
}: {
  schema: Record<string, unknown> | undefined;
  url: string;
}): {
  schema: Record<string, unknown>;
  url: string;
} {
  if (!schema) return { schema: {}, url };
  const out: Record<string, unknown> = { ...schema };
  for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
    const s = schema[part];
    if (isZod(s)) out[part] = toJsonSchema(s, 'input');
  }
  const response = schema.response as Record<string, unknown> | undefined;
  if (response) {
    out.response = Object.fromEntries(
      Object.entries(response).map(([code, s]) => [code, isZod(s) ? toJsonSchema(s, 'output') : s]),
    );
  }
  return { schema: out, url };
}
