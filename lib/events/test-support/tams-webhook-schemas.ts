import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * The official 7.0 callback body schemas (the YAML's `webhooks:` block), compiled with ajv's draft
 * 2020-12 build. The spec is read from TAMS_SPEC_DIR, or ../shared/tams-7.0 beside the repository (as
 * the conformance suite does); it is never copied here, and a missing spec fails the tests.
 */

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

type Json = { [key: string]: unknown };

function specDir(): string {
  const configured = process.env.TAMS_SPEC_DIR?.trim() || '../shared/tams-7.0';
  const dir = isAbsolute(configured) ? configured : resolve(REPO_ROOT, configured);
  if (!existsSync(join(dir, 'api', 'TimeAddressableMediaStore.yaml')))
    throw new Error(
      `the TAMS 7.0 spec is not at ${dir}; set TAMS_SPEC_DIR to the directory holding api/TimeAddressableMediaStore.yaml`,
    );
  return dir;
}

/** One validator per event type, keyed as in the YAML's `webhooks:` (e.g. `flows/segments_added`). */
export function loadWebhookSchemas(): ReadonlyMap<string, ValidateFunction> {
  const api = join(specDir(), 'api');
  const document = parse(readFileSync(join(api, 'TimeAddressableMediaStore.yaml'), 'utf8')) as Json;
  const components = (document.components as Json).schemas as Json;
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  addFormats.default(ajv);
  // OpenAPI 3.1 allows the `example` annotation inside schemas.
  ajv.addKeyword({ keyword: 'example' });
  const schemas = join(api, 'schemas');
  for (const file of readdirSync(schemas).filter((f) => f.endsWith('.json')))
    ajv.addSchema(JSON.parse(readFileSync(join(schemas, file), 'utf8')) as Json, fileUrl(schemas, file));

  // The YAML's refs are relative to it (`schemas/flow.json`) or into it (`#/components/schemas/uuid`).
  const absolute = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(absolute);
    if (typeof node !== 'object' || node === null) return node;
    const ref = (node as Json).$ref;
    if (typeof ref === 'string') {
      if (ref.startsWith('#/components/schemas/'))
        return absolute(components[ref.slice('#/components/schemas/'.length)]);
      return { ...(node as Json), $ref: fileUrl(api, ref) };
    }
    return Object.fromEntries(Object.entries(node as Json).map(([k, v]) => [k, absolute(v)]));
  };

  const validators = new Map<string, ValidateFunction>();
  for (const [type, callback] of Object.entries(document.webhooks as Json)) {
    const post = (callback as Json).post as Json;
    const content = ((post.requestBody as Json).content as Json)['application/json'] as Json;
    validators.set(type, ajv.compile(absolute(content.schema) as Json));
  }
  return validators;
}

function fileUrl(dir: string, file: string): string {
  return pathToFileURL(join(dir, file)).href;
}

/** ajv's errors as one readable line, for assertion messages. */
export function schemaErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}
