import type { JsonObject } from './spec.js';

/**
 * Known defects of the 7.0 spec (DIGEST §12, plus what writing this suite uncovered) and how the suite
 * accounts for each, so none of them fails a conforming store or silently passes a broken one.
 *
 * Two kinds of entry live here. SPEC_DEFECTS is a register for readers: no code reads it, and each
 * `handling` names the rule, family or file where the defect is actually accounted for. EXAMPLE_DEFECTS
 * is data the suite runs on: the example self-test (infrastructure/examples.test.ts) asserts each broken
 * example fails for its documented reason, and the flows family repairs the schema-level ones before
 * PUTting an example.
 */

export interface SpecDefect {
  readonly id: string;
  readonly source: string;
  readonly defect: string;
  readonly handling: string;
}

/** The register of spec defects: documentation kept as typed data, imported by nothing (see above). */
export const SPEC_DEFECTS: readonly SpecDefect[] = [
  {
    id: 'segments-deleted-event-type',
    source: 'DIGEST §12.1',
    defect: 'the flows/segments_deleted webhook declares event_type const flows/segments_added',
    handling:
      'webhook deliveries are not responses; out of this suite (subgraphs/media/webhooks tests own them)',
  },
  {
    id: 'location-singular',
    source: 'DIGEST §12.2',
    defect: 'the 202 Location example is /flow-delete-request/{id} (singular)',
    handling:
      'spec-text rules flow-delete-location / segments-delete-location require /flow-delete-requests/{id}',
  },
  {
    id: 'segments-404',
    source: 'DIGEST §12.3',
    defect: 'GET segments declares 404 but says a missing Flow gives 200 []',
    handling:
      'both statuses are declared, so the client accepts either; the segments family asserts 200 [] for a well-formed unknown id and 404 only for a malformed one',
  },
  {
    id: 'negative-ts-offset',
    source: 'DIGEST §12.4',
    defect: 'ts_offset text forbids negatives, its regex allows them',
    handling: 'the schema (regex) is what the client checks, so negative offsets pass',
  },
  {
    id: 'empty-accept-storage-ids',
    source: 'DIGEST §12.5',
    defect: 'accept_storage_ids allows empty in its text, not in its regex',
    handling:
      'query parameters are inputs, not checked by the client; the segments family sends ?accept_storage_ids= and expects 200',
  },
  {
    id: 'timerange-regex-empty',
    source: 'DIGEST §12.6',
    defect: 'the timerange regex accepts "" and "[]"',
    handling:
      'X-Paging-Timerange is checked with the spec regex as is; families treat "" and "[]" as the empty range',
  },
  {
    id: 'missing-403',
    source: 'DIGEST §12.7',
    defect: '403 is not declared on DELETE /flows/{flowId}/label',
    handling: 'undeclared-statuses.ts accepts 403 there and reports it separately',
  },
  {
    id: 'storage-id-text',
    source: 'DIGEST §12.8',
    defect: 'storage_id text points at /service for the backends',
    handling: 'nothing to check: backends are validated at /service/storage-backends',
  },
  {
    id: 'examples-not-oracles',
    source: 'DIGEST §12.9',
    defect: 'service-get-200.json has api_version "1.0"; the sample-offset segments example is inconsistent',
    handling: 'EXAMPLE_DEFECTS below; the example self-test asserts each fails for its documented reason',
  },
  {
    id: 'webhook-filter-use-cases',
    source: 'DIGEST §12.10',
    defect: 'the webhook filter use cases contradict the AND rules',
    handling: 'event filtering is not visible in responses; out of this suite',
  },
  {
    id: 'flow-list-default-timerange',
    source: 'DIGEST §12.11',
    defect: 'the /flows timerange default "_" must not hide Flows without segments',
    handling: 'behaviour, not shape: the flows family asserts it',
  },
  {
    id: 'operation-count',
    source: 'DIGEST §1 vs the YAML',
    defect: 'DIGEST §1 says 73 operations; its tables and the YAML have 74 (25 paths)',
    handling: 'the spec wins: EXPECTED_OPERATION_COUNT is 74 and coverage must reach 74/74',
  },
  {
    id: 'root-schema-empty',
    source: 'YAML GET /',
    defect: 'the 200 schema of GET / holds only an example, so it accepts any JSON',
    handling: 'spec-text rule root-lists-names requires an array of strings (DIGEST §1.1)',
  },
  {
    id: 'head-json-content',
    source: 'YAML HEAD 200 responses (trait_resource_*_head_200)',
    defect: 'HEAD 200 responses declare an application/json body of type string, but a HEAD has no body',
    handling: 'HEAD bodies are never schema-checked; a HEAD must have an empty body and mirror its GET',
  },
  {
    id: 'no-error-bodies',
    source: 'DIGEST §11',
    defect: 'no 4xx response declares a body, and no 401/405/5xx is declared at all',
    handling: 'every 4xx/5xx body must be S:error.json; undeclared-statuses.ts lists the recommended extras',
  },
  {
    id: 'uuid-versions',
    source: 'Y:components schemas.uuid and every *_id pattern',
    defect:
      'the UUID pattern allows only versions 1-5 ([1-5] in the third group): a UUIDv7 Flow, Source, backend or deletion-request id fails validation',
    handling:
      'none needed: the store must generate v4 (or v1-v5) ids wherever the schema applies (object ids are free strings)',
  },
  {
    id: 'example-date-times',
    source: 'E:flow-get-200-data-ttml.json, E:flow-get-200-multi.json',
    defect: '"created": "2023-12-14T16:34:58.131620" has no time zone, so it is not an RFC 3339 date-time',
    handling: 'EXAMPLE_DEFECTS: the self-test asserts these fail on /created and pass once a "Z" is added',
  },
];

export interface ExampleDefect {
  readonly reason: string;
  /**
   * How the defect shows: the schema rejects it; a spec-text rule (by id) rejects it; or it is
   * schema-valid and wrong in a way no check here can see (then it must at least validate).
   */
  readonly shows:
    | {
        readonly by: 'schema';
        readonly instancePath: string;
        readonly repair: (example: JsonObject) => JsonObject;
      }
    | { readonly by: 'spec-text'; readonly rule: string }
    | { readonly by: 'unverifiable' };
}

const addTimeZone = (example: JsonObject): JsonObject => ({
  ...example,
  created: `${String(example.created)}Z`,
});

export const EXAMPLE_DEFECTS: Readonly<Record<string, ExampleDefect>> = {
  'service-get-200.json': {
    reason:
      'api_version "1.0": matches the schema\'s N.N pattern, but a 7.0 store sends "7.0" (DIGEST §10, §12.9)',
    shows: { by: 'spec-text', rule: 'service-api-version' },
  },
  'flow-get-200-data-ttml.json': {
    reason: 'created has no time zone (not an RFC 3339 date-time)',
    shows: { by: 'schema', instancePath: '/created', repair: addTimeZone },
  },
  'flow-get-200-multi.json': {
    reason: 'created has no time zone (not an RFC 3339 date-time)',
    shows: { by: 'schema', instancePath: '/created', repair: addTimeZone },
  },
  'flow-segments-get-200-sample-offset.json': {
    reason:
      'ts_offset and sample_offset disagree (DIGEST §12.9); the schema cannot see it and the frame rate needed to ' +
      'prove it is not in the example, so it is only checked for shape and never used as an oracle',
    shows: { by: 'unverifiable' },
  },
};
