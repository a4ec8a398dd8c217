import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { SpecLocation } from '../tams-spec/locate.js';
import {
  HOW_TO_GET_THE_SPEC,
  locateSpec,
  requiredButAbsent,
  SPEC_VERSION,
  SPEC_YAML,
} from '../tams-spec/locate.js';

/**
 * The official TAMS OpenAPI document, found by test/tams-spec/locate.ts (never copied into this
 * repository), enumerated into operations, with every response body and header schema compiled by ajv's
 * draft 2020-12 build (the schemas use `unevaluatedProperties` and `$ref` to sibling files).
 */

/**
 * Operations in the 7.0 YAML, HEAD twins included. DIGEST §1 says "73 operations", but its own tables
 * and the YAML (74 distinct operationIds on 25 paths) list 74; the DIGEST defers to the spec, so the
 * suite asserts what the spec contains. infrastructure/spec.test.ts pins the full list.
 */
export const EXPECTED_OPERATION_COUNT = 74;
export const EXPECTED_PATH_COUNT = 25;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HeaderSpec {
  /** As the spec spells it (e.g. `X-Paging-Limit`); looked up case-insensitively. */
  readonly name: string;
  /** The header's schema with every `$ref` made absolute; `type` tells how to read the string value. */
  readonly schema: JsonObject;
  readonly validate: ValidateFunction;
}

export interface ResponseSpec {
  readonly status: number;
  readonly description: string;
  /** The `application/json` schema, when the response declares one. */
  readonly bodySchema: JsonObject | undefined;
  readonly validateBody: ValidateFunction | undefined;
  /** Declared headers keyed by lower-case name. */
  readonly headers: ReadonlyMap<string, HeaderSpec>;
}

export interface Operation {
  /** `METHOD /path/{template}`: the key coverage and reports use. */
  readonly key: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly responses: ReadonlyMap<number, ResponseSpec>;
  readonly requestBody: { readonly required: boolean; readonly validate: ValidateFunction } | undefined;
}

/** Where the YAML uses a file of api/examples/: for which operation, and for which response or the request. */
export interface ExampleUse {
  readonly file: string;
  readonly operation: Operation;
  readonly target: number | 'request';
}

export interface Spec {
  readonly dir: string;
  readonly yamlPath: string;
  readonly version: string;
  readonly operations: readonly Operation[];
  /** Path templates with the methods the spec declares on each, in document order. */
  readonly paths: ReadonlyMap<string, readonly HttpMethod[]>;
  readonly examples: readonly ExampleUse[];
  readonly exampleFiles: readonly string[];
  readonly operation: (method: HttpMethod, path: string) => Operation | undefined;
  /** The compiled validator of one file of api/schemas/ (e.g. `error.json`). */
  readonly schemaFile: (name: string) => ValidateFunction;
}

export type JsonObject = { [key: string]: unknown };

export class SpecLoadError extends Error {
  override name = 'SpecLoadError';
}

const cache = new Map<string, Spec>();

/**
 * Loads (once per directory) and checks the spec; throws SpecLoadError when there is none or it is not
 * the unmodified 7.0 spec. For a caller that cannot run without it (a conformance run against
 * TAMS_CONFORMANCE_URL, the infrastructure self-tests' helpers).
 */
export function loadSpec(env: NodeJS.ProcessEnv = process.env, root?: string): Spec {
  const location = locateSpec(env, root);
  if (!location.found)
    throw new SpecLoadError(
      location.required
        ? requiredButAbsent(location)
        : `the TAMS 7.0 spec is not there (${location.tried}); ${HOW_TO_GET_THE_SPEC}.`,
    );
  return loadFrom(location);
}

/**
 * For a test file: the spec, or undefined when none is found (its suites then skip, see
 * test/tams-spec/suite.ts). Throws, so the file fails, when a spec directory was found or configured
 * but is not the 7.0 spec, and when TAMS_SPEC_REQUIRED=1 and there is none.
 */
export function specForTests(env: NodeJS.ProcessEnv = process.env, root?: string): Spec | undefined {
  const location = locateSpec(env, root);
  if (location.found) return loadFrom(location);
  if (location.required) throw new SpecLoadError(requiredButAbsent(location));
  return undefined;
}

function loadFrom(location: Extract<SpecLocation, { found: true }>): Spec {
  const cached = cache.get(location.dir);
  if (cached) return cached;
  const spec = buildSpec(location.dir, location.how);
  cache.set(location.dir, spec);
  return spec;
}

function buildSpec(dir: string, how: string): Spec {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new SpecLoadError(
      `the TAMS spec directory ${dir} does not exist (${how}). The conformance suite needs it.`,
    );
  const yamlPath = join(dir, SPEC_YAML);
  const schemasDir = join(dir, 'api', 'schemas');
  const examplesDir = join(dir, 'api', 'examples');
  for (const required of [yamlPath, schemasDir, examplesDir])
    if (!existsSync(required))
      throw new SpecLoadError(`${required} is missing from the TAMS spec directory ${dir} (${how}).`);

  let document: JsonObject;
  try {
    document = asObject(parse(readFileSync(yamlPath, 'utf8')), yamlPath);
  } catch (error) {
    throw new SpecLoadError(`cannot parse ${yamlPath}: ${(error as Error).message}`);
  }
  const version = String(asObject(document.info, 'info').version);
  if (version !== SPEC_VERSION)
    throw new SpecLoadError(
      `${yamlPath} is TAMS ${version}; this suite checks TAMS ${SPEC_VERSION} (${how}).`,
    );

  const ajv = createAjv();
  for (const file of readdirSync(schemasDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const path = join(schemasDir, file);
    ajv.addSchema(JSON.parse(readFileSync(path, 'utf8')) as JsonObject, pathToFileURL(path).href);
  }
  const schemaFile = (name: string): ValidateFunction => {
    const validate = ajv.getSchema(pathToFileURL(join(schemasDir, name)).href);
    if (!validate) throw new SpecLoadError(`no schema ${name} in ${schemasDir}`);
    return validate;
  };

  const yamlUrl = pathToFileURL(yamlPath).href;
  const resolver = new RefResolver(document, yamlUrl);
  const compile = (schema: unknown, where: string): { schema: JsonObject; validate: ValidateFunction } => {
    const absolute = asObject(resolver.schema(schema), where);
    try {
      return { schema: absolute, validate: ajv.compile(absolute) };
    } catch (error) {
      throw new SpecLoadError(`cannot compile the schema of ${where}: ${(error as Error).message}`);
    }
  };

  const operations: Operation[] = [];
  const paths = new Map<string, HttpMethod[]>();
  const examples: { file: string; key: string; target: number | 'request' }[] = [];
  for (const [path, rawItem] of Object.entries(asObject(document.paths, 'paths'))) {
    const item = asObject(rawItem, path);
    const methods: HttpMethod[] = [];
    for (const method of HTTP_METHODS) {
      const rawOperation = item[method.toLowerCase()];
      if (rawOperation === undefined) continue;
      methods.push(method);
      const key = `${method} ${path}`;
      const op = asObject(rawOperation, key);
      const responses = new Map<number, ResponseSpec>();
      for (const [code, rawResponse] of Object.entries(asObject(op.responses, `${key} responses`))) {
        const status = Number(code);
        if (!Number.isInteger(status))
          throw new SpecLoadError(`${key} declares response "${code}"; only numeric statuses are supported`);
        const response = asObject(resolver.deref(rawResponse), `${key} ${code}`);
        const json = jsonContent(response.content);
        const body = json?.schema === undefined ? undefined : compile(json.schema, `${key} ${code} body`);
        const headers = new Map<string, HeaderSpec>();
        for (const [name, rawHeader] of Object.entries(asObject(response.headers ?? {}, `${key} headers`))) {
          const header = asObject(resolver.deref(rawHeader), `${key} ${code} ${name}`);
          const compiled = compile(header.schema ?? {}, `${key} ${code} header ${name}`);
          headers.set(name.toLowerCase(), { name, ...compiled });
        }
        responses.set(status, {
          status,
          description: typeof response.description === 'string' ? response.description : '',
          bodySchema: body?.schema,
          validateBody: body?.validate,
          headers,
        });
        for (const file of exampleFiles(json)) examples.push({ file, key, target: status });
      }
      let requestBody: Operation['requestBody'];
      if (op.requestBody !== undefined) {
        const request = asObject(resolver.deref(op.requestBody), `${key} requestBody`);
        const json = jsonContent(request.content);
        if (json?.schema !== undefined)
          requestBody = {
            required: request.required === true,
            validate: compile(json.schema, `${key} request body`).validate,
          };
        for (const file of exampleFiles(json)) examples.push({ file, key, target: 'request' });
      }
      operations.push({
        key,
        method,
        path,
        operationId: String(op.operationId),
        responses,
        requestBody,
      });
    }
    paths.set(path, methods);
  }

  if (operations.length !== EXPECTED_OPERATION_COUNT || paths.size !== EXPECTED_PATH_COUNT)
    throw new SpecLoadError(
      `${yamlPath} has ${operations.length} operations on ${paths.size} paths; TAMS ${SPEC_VERSION} has ` +
        `${EXPECTED_OPERATION_COUNT} on ${EXPECTED_PATH_COUNT}. Is ${dir} the unmodified 7.0 spec? (${how})`,
    );

  const byKey = new Map(operations.map((o) => [o.key, o]));
  return {
    dir,
    yamlPath,
    version,
    operations,
    paths,
    examples: examples.map((e) => ({ file: e.file, operation: byKey.get(e.key)!, target: e.target })),
    exampleFiles: readdirSync(examplesDir)
      .filter((f) => f.endsWith('.json'))
      .sort(),
    operation: (method, path) => byKey.get(`${method} ${path}`),
    schemaFile,
  };
}

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    // The official schemas put `required` in allOf branches apart from their `properties` and omit
    // `type` beside keywords; both are valid JSON Schema that strict mode would reject or log.
    strictRequired: false,
    strictTypes: false,
  });
  addFormats.default(ajv);
  // OpenAPI 3.1 allows the (deprecated) `example` annotation inside schemas; the YAML uses it.
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

/** Resolves OpenAPI `$ref`s (responses, headers) and makes schema `$ref`s absolute for ajv. */
class RefResolver {
  constructor(
    private readonly document: JsonObject,
    private readonly yamlUrl: string,
  ) {}

  /** Follows a `#/...` reference to a response or header object of the document. */
  deref(node: unknown): unknown {
    for (let hops = 0; hops < 10; hops++) {
      if (!isObject(node) || typeof node.$ref !== 'string') return node;
      node = this.pointer(node.$ref);
    }
    throw new SpecLoadError('reference cycle in the OpenAPI document');
  }

  /**
   * A copy of a schema in which `schemas/x.json` refs point at the registered files and
   * `#/components/schemas/...` refs are replaced by the component (they are small leaf schemas), so
   * ajv never needs the OpenAPI document itself as a schema.
   */
  schema(node: unknown, depth = 0): unknown {
    if (depth > 50) throw new SpecLoadError('schema nesting too deep (reference cycle?)');
    if (Array.isArray(node)) return node.map((n) => this.schema(n, depth + 1));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        if (v.startsWith('#/')) {
          const { $ref: _ref, ...siblings } = node;
          return this.schema({ ...asObject(this.pointer(v), v), ...siblings }, depth + 1);
        }
        out.$ref = new URL(v, this.yamlUrl).href;
      } else out[k] = this.schema(v, depth + 1);
    }
    return out;
  }

  private pointer(ref: string): unknown {
    if (!ref.startsWith('#/')) throw new SpecLoadError(`unsupported reference ${ref} outside a schema`);
    let node: unknown = this.document;
    for (const raw of ref.slice(2).split('/')) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(node) || !(part in node)) throw new SpecLoadError(`unresolvable reference ${ref}`);
      node = node[part];
    }
    return node;
  }
}

function jsonContent(content: unknown): JsonObject | undefined {
  if (!isObject(content)) return undefined;
  const json = content['application/json'];
  return isObject(json) ? json : undefined;
}

/** The api/examples/ files a media type object uses, through `example` or any of its `examples`. */
function exampleFiles(media: JsonObject | undefined): string[] {
  if (!media) return [];
  const candidates: unknown[] = [media.example];
  if (isObject(media.examples))
    for (const e of Object.values(media.examples)) candidates.push(isObject(e) && e.value);
  const files: string[] = [];
  for (const c of candidates)
    if (isObject(c) && typeof c.$ref === 'string' && c.$ref.startsWith('examples/'))
      files.push(c.$ref.slice('examples/'.length));
  return files;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw new SpecLoadError(`expected an object at ${where} of the TAMS spec`);
  return value;
}

/** ajv's errors as one line each: `/path: message (keyword)`. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword} (${e.schemaPath})`,
  );
}
