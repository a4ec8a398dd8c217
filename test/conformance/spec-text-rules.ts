/**
 * Requirements the 7.0 text (descriptions) or DIGEST states that the JSON schemas cannot express,
 * checked on every matching response like a schema. Each names its source so a failure is arguable.
 *
 * `body` rules need only the response body (the example self-tests run them too); `exchange` rules
 * also need the path parameters or headers of a real exchange.
 */
export interface RuleInput {
  readonly body: unknown;
  /** Decoded path parameters (exchange rules only). */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Headers;
  readonly requestUrl: URL;
}

export interface SpecTextRule {
  readonly id: string;
  readonly kind: 'body' | 'exchange';
  readonly operations: readonly string[];
  readonly status: number;
  readonly source: string;
  /** A message when the rule is broken, else undefined. */
  check(input: RuleInput): string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body's `id` must be the (once-decoded) path parameter: catches double decoding of `%2F`. */
function echoesPathId(param: string): SpecTextRule['check'] {
  return ({ body, params }) => {
    const expected = params[param];
    if (!isRecord(body) || expected === undefined || body.id === expected) return undefined;
    return `body id ${JSON.stringify(body.id)} differs from the {${param}} in the path (${JSON.stringify(expected)})`;
  };
}

/** DIGEST §6.3/§8/§12.2: 202 carries Location: /flow-delete-requests/{id} of the request in the body. */
function deletionRequestLocation(deleteFlow: boolean): SpecTextRule['check'] {
  return ({ body, headers, requestUrl }) => {
    const location = headers.get('location');
    if (location === null) return 'a 202 must carry a Location header pointing at the flow delete request';
    let target: URL;
    try {
      target = new URL(location, requestUrl);
    } catch {
      return `Location ${JSON.stringify(location)} is not a URL reference`;
    }
    const id = isRecord(body) ? body.id : undefined;
    if (!target.pathname.endsWith(`/flow-delete-requests/${String(id)}`))
      return (
        `Location ${JSON.stringify(location)} must end in /flow-delete-requests/${String(id)} (the body's id; ` +
        'the YAML example\'s singular "/flow-delete-request/" is a known defect)'
      );
    if (isRecord(body) && body.delete_flow !== deleteFlow)
      return `delete_flow must be ${deleteFlow} for this deletion request`;
    return undefined;
  };
}

export const SPEC_TEXT_RULES: readonly SpecTextRule[] = [
  {
    id: 'root-lists-names',
    kind: 'body',
    operations: ['GET /'],
    status: 200,
    source:
      'YAML GET / "List of paths available from this API" (its schema has only an example); DIGEST §1.1',
    check: ({ body }) =>
      Array.isArray(body) && body.every((n) => typeof n === 'string')
        ? undefined
        : 'GET / must return a JSON array of path names',
  },
  {
    id: 'service-api-version',
    kind: 'body',
    operations: ['GET /service'],
    status: 200,
    source: 'DIGEST §10/§12.9: a 7.0 store sends api_version "7.0" (the schema only checks the N.N shape)',
    check: ({ body }) =>
      isRecord(body) && body.api_version !== '7.0'
        ? `api_version is ${JSON.stringify(body.api_version)}; a TAMS 7.0 store must send "7.0"`
        : undefined,
  },
  {
    id: 'service-type-urn',
    kind: 'body',
    operations: ['GET /service'],
    status: 200,
    source: 'S:service.json type: "The value must start with \'urn:x-tams:service\'"',
    check: ({ body }) =>
      isRecord(body) && !(typeof body.type === 'string' && body.type.startsWith('urn:x-tams:service'))
        ? `type ${JSON.stringify(body.type)} must start with urn:x-tams:service`
        : undefined,
  },
  {
    id: 'webhooks-hide-api-key-value',
    kind: 'body',
    operations: ['GET /service/webhooks'],
    status: 200,
    source: 'YAML GET /service/webhooks 200: "the api_key_value will be omitted"; DIGEST §9',
    check: ({ body }) =>
      Array.isArray(body) && body.some((w) => isRecord(w) && 'api_key_value' in w)
        ? 'a listed webhook exposes api_key_value'
        : undefined,
  },
  {
    id: 'flow-delete-location',
    kind: 'exchange',
    operations: ['DELETE /flows/{flowId}'],
    status: 202,
    source: 'DIGEST §8, §12.2',
    check: deletionRequestLocation(true),
  },
  {
    id: 'segments-delete-location',
    kind: 'exchange',
    operations: ['DELETE /flows/{flowId}/segments'],
    status: 202,
    source: 'DIGEST §6.3, §12.2',
    check: deletionRequestLocation(false),
  },
  {
    id: 'flow-id-echo',
    kind: 'exchange',
    operations: ['GET /flows/{flowId}'],
    status: 200,
    source: 'DIGEST §4.2: the body id equals the path id',
    check: echoesPathId('flowId'),
  },
  {
    id: 'flow-created-id-echo',
    kind: 'exchange',
    operations: ['PUT /flows/{flowId}'],
    status: 201,
    source: 'DIGEST §4.2: create returns the stored Flow, whose id is the path id',
    check: echoesPathId('flowId'),
  },
  {
    id: 'source-id-echo',
    kind: 'exchange',
    operations: ['GET /sources/{sourceId}'],
    status: 200,
    source: 'the Source requested is the one returned',
    check: echoesPathId('sourceId'),
  },
  {
    id: 'object-id-echo',
    kind: 'exchange',
    operations: ['GET /objects/{objectId}'],
    status: 200,
    source: 'DIGEST §7.3: object ids may contain "/" and are decoded exactly once',
    check: echoesPathId('objectId'),
  },
  {
    id: 'delete-request-id-echo',
    kind: 'exchange',
    operations: ['GET /flow-delete-requests/{request-id}'],
    status: 200,
    source: 'the deletion request asked for is the one returned',
    check: echoesPathId('request-id'),
  },
];

export function rulesFor(operationKey: string, status: number, kinds: readonly SpecTextRule['kind'][]) {
  return SPEC_TEXT_RULES.filter(
    (r) => r.status === status && r.operations.includes(operationKey) && kinds.includes(r.kind),
  );
}
