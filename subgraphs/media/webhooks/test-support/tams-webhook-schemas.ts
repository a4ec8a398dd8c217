import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import {
  HOW_TO_GET_THE_SPEC,
  locateSpec,
  requiredButAbsent,
  SPEC_YAML,
} from '../../../../test/tams-spec/locate.js';

/**
 * The official 7.0 callback body schemas (the YAML's `webhooks:` block), compiled with ajv's draft
 * 2020-12 build. The spec is found as the conformance suite finds it (test/tams-spec/locate.ts); it is
 * never copied here.
 */

type Json = { [key: string]: unknown };

export type WebhookSchemas = ReadonlyMap<string, ValidateFunction>;

/**
 * For a test file: the validators, or undefined when no spec is found (the tests that use them skip,
 * see test/tams-spec/suite.ts). Throws when a spec directory is found or configured but lacks the
 * OpenAPI document, and when TAMS_SPEC_REQUIRED=1 and there is none.
 */
export function webhookSchemasForTests(env: NodeJS.ProcessEnv = process.env): WebhookSchemas | undefined {
  const location = locateSpec(env);
  if (location.found) return loadWebhookSchemas(location.dir, location.how);
  if (location.required) throw new Error(requiredButAbsent(location));
  return undefined;
}

/** One validator per event type, keyed as in the YAML's `webhooks:` (e.g. `flows/segments_added`). */
function loadWebhookSchemas(dir: string, how: string): WebhookSchemas {
  const yaml = join(dir, SPEC_YAML);
  if (!existsSync(yaml))
    throw new Error(
      `the TAMS 7.0 spec is not at ${dir}: ${yaml} is missing (${how}); ${HOW_TO_GET_THE_SPEC}`,
    );
  const api = join(dir, 'api');
  const document = parse(readFileSync(yaml, 'utf8')) as Json;
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
