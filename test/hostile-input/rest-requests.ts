import fc from 'fast-check';
import { parseTimeRange, validateTagName, validateUuid } from '../../lib/tams/index.js';
import type { Fixtures } from './fixtures.js';
import { FIXTURE_TAG } from './fixtures.js';
import { HEADER_BUDGET, headerBytes, hostileHeaders } from './hostile-headers.js';
import type { Headers } from './hostile-headers.js';
import { deepJson, hostileJsonValue, json } from './hostile-json.js';
import {
  anyTagName,
  badId,
  badTagName,
  badTimerange,
  BROKEN_PERCENT,
  decodedSegment,
  hostileString,
  LEAK_WORDS,
  pathSegment,
  percentEncode,
  unknownUuid,
  validTimerange,
} from './hostile-values.js';
import type { Operation } from './operations.js';
import { isRead, operationName } from './operations.js';
import { poisonedBody } from './poisoned-bodies.js';
import type { HostileRequest } from './send.js';

/**
 * Malformed REST requests for one 7.0 operation. Reads (GET, HEAD) may carry anything: they cannot
 * change the store. Every other request is poisoned in one place that makes it certainly invalid
 * (its path id, its body, its query, or its target being read-only) and hostile everywhere else.
 */

const FORMATS = [
  'urn:x-nmos:format:video',
  'urn:x-nmos:format:audio',
  'urn:x-tam:format:image',
  'urn:x-nmos:format:data',
];
const LIMIT_LIKE = [
  '0',
  '-1',
  '1.5',
  'abc',
  '1e3',
  '99999999999999999999',
  '1001',
  '',
  ' 1',
  '1',
  '100000',
  '+1',
  '0x10',
  '\u0661',
];
const BOOLEAN_LIKE = ['true', 'false', 'TRUE', '1', 'yes', '', 'null', 'truefalse'];

/** Values for a known query parameter: plausible, invalid or plain hostile. */
function paramValue(name: string, fx: Fixtures): fc.Arbitrary<string> {
  const any = fc.oneof(hostileString, fc.constantFrom(...LIMIT_LIKE, ...BOOLEAN_LIKE));
  const specific = (() => {
    if (name === 'limit' || name.startsWith('frame_')) return fc.constantFrom(...LIMIT_LIKE);
    if (name === 'page')
      return fc.oneof(fc.base64String({ maxLength: 60 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/));
    if (name === 'timerange') return fc.oneof(validTimerange, badTimerange);
    if (name === 'source_id') return fc.oneof(fc.constant(fx.source), badId([fx.source]));
    if (name === 'format')
      return fc.oneof(
        fc.constantFrom(...FORMATS),
        fc.constantFrom('urn:x-nmos:format:smell', 'video', 'urn:x-nmos:format:multi'),
      );
    if (name === 'object_id') return fc.oneof(fc.constant(fx.objectId), hostileString);
    if (name === 'accept_storage_ids')
      return fc.array(fc.oneof(fc.uuid(), badId([])), { maxLength: 3 }).map((l) => l.join(','));
    if (name === 'accept_get_urls') return fc.array(hostileString, { maxLength: 3 }).map((l) => l.join(','));
    if (
      name.startsWith('tag_exists.') ||
      ['include_timerange', 'reverse_order', 'verbose_storage', 'presigned'].includes(name)
    )
      return fc.constantFrom(...BOOLEAN_LIKE);
    return hostileString;
  })();
  return fc.oneof({ weight: 3, arbitrary: specific }, { weight: 1, arbitrary: any });
}

const UNKNOWN_PARAMS = [
  'foo',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'access_token',
  'tag',
  'tag.',
  'tag_exists.',
  'tag.__proto__',
  'tag_exists.constructor',
  'limit[]',
  'page[0]',
  'timerange ',
  'TIMERANGE',
  'include_object_timerange',
  'verbose',
  'query',
];

/** `name=value` with the value percent-encoded, sometimes left raw or broken. */
const pair = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>) =>
  fc.tuple(name, value, fc.nat(9)).map(([n, v, how]) => {
    const key = percentEncode(n).replaceAll('%2E', '.');
    if (how === 0)
      return `${key}=${v.replace(/[^\x21-\x7e]/g, (c) => percentEncode(c)).replace(/[#&]/g, (c) => percentEncode(c))}`;
    if (how === 1) return `${key}=${percentEncode(v)}${BROKEN_PERCENT[v.length % BROKEN_PERCENT.length]!}`;
    return `${key}=${percentEncode(v)}`;
  });

/** A query string: known parameters with odd values, repeats, unknown ones and raw garbage. */
function queryString(op: Operation, fx: Fixtures): fc.Arbitrary<string> {
  const known = op.query.length ? fc.constantFrom(...op.query) : fc.constantFrom(...UNKNOWN_PARAMS);
  const item = fc.oneof(
    { weight: 4, arbitrary: known.chain((name) => pair(fc.constant(name), paramValue(name, fx))) },
    {
      weight: 1,
      arbitrary: known.chain((name) =>
        fc
          .tuple(pair(fc.constant(name), paramValue(name, fx)), pair(fc.constant(name), paramValue(name, fx)))
          .map(([a, b]) => `${a}&${b}`),
      ),
    },
    {
      weight: 2,
      arbitrary: pair(
        fc.oneof(
          fc.constantFrom(...UNKNOWN_PARAMS),
          hostileString.map((s) => `tag.${s}`),
          hostileString.map((s) => `tag_exists.${s}`),
          hostileString,
        ),
        hostileString,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%%',
        '%zz=1',
        '=%',
        'a=%E0%A4%A',
        '%ED%A0%80=1',
        'limit=%00',
        '&',
        '==',
        '?',
        ';',
        'a=1;b=2',
        '+=+',
      ),
    },
  );
  return fc.array(item, { maxLength: 5 }).map((items) => items.join('&'));
}

/** A path parameter for a read: an existing resource, an unknown id, or something that is no id. */
function readParam(param: string, fx: Fixtures): fc.Arbitrary<string> {
  switch (param) {
    case 'flowId':
      return fc.oneof(fc.constantFrom(fx.flow, fx.readOnlyFlow), unknownUuid(fx.ids), badId([fx.flow]));
    case 'sourceId':
      return fc.oneof(fc.constant(fx.source), unknownUuid(fx.ids), badId([fx.source]));
    case 'name':
      return anyTagName;
    case 'objectId':
      return fc.oneof(
        fc.constant(fx.objectId),
        unknownUuid(fx.ids),
        hostileString.filter((s) => s !== ''),
      );
    default:
      return fc.oneof(fc.constant(fx.deleteRequest), unknownUuid(fx.ids), badId([fx.deleteRequest]));
  }
}

/** How a mutation is made certainly invalid. */
type Strategy = 'bad-id' | 'unknown-id' | 'bad-tag-name' | 'read-only' | 'body' | 'query';

function strategies(op: Operation): Strategy[] {
  const list: Strategy[] = [];
  const idParam = /\{(flowId|sourceId)\}/.exec(op.path)?.[1];
  if (idParam) {
    list.push('bad-id');
    // PUT /flows/{id} creates a flow at an unknown id: only a bad body makes it invalid there.
    if (!(op.method === 'PUT' && op.path === '/flows/{flowId}')) list.push('unknown-id');
  }
  if (op.path.endsWith('{name}')) list.push('bad-tag-name');
  // Every flow change but PUT read_only (the way to unlock) is refused on a read-only flow (DIGEST §4.2).
  if (idParam === 'flowId' && !op.path.endsWith('/read_only')) list.push('read-only');
  if (op.body) list.push('body');
  if (op.method === 'DELETE' && op.path.endsWith('/segments')) list.push('query');
  return list;
}

/** Bodies that may be valid: only where another poison already makes the request invalid. */
function plausibleBody(op: Operation, fx: Fixtures, pathId: string): fc.Arbitrary<string | undefined> {
  switch (op.body) {
    case 'string':
      return hostileString.map(json);
    case 'boolean':
      return fc.boolean().map(json);
    case 'bitRate':
      return fc.nat().map(json);
    case 'collection':
      return fc
        .array(
          unknownUuid(fx.ids).map((id) => ({ id, role: 'member' })),
          { maxLength: 2 },
        )
        .map(json);
    case 'segments':
      return fc.constant(json({ object_id: fx.objectId, timerange: '[100:0_101:0)' }));
    case 'storage':
      return fc.constantFrom(undefined, '{}', '{"limit": 1}');
    case 'flow':
      return fc.constant(
        json({
          id: pathId,
          source_id: fx.source,
          format: FORMATS[0],
          codec: 'video/h264',
          essence_parameters: { frame_width: 640, frame_height: 360 },
          read_only: false,
        }),
      );
    // Service and webhook bodies have their own poisoned generators; the plain case sends none.
    case 'service':
    case 'webhook':
    case undefined:
      return fc.constant(undefined);
  }
}

interface Parts {
  readonly params: Record<string, string>;
  readonly query: string;
  readonly body?: string | Buffer;
  readonly intent: string;
}

/** Path parameters, query and body of a mutation, poisoned by `strategy`. */
function mutationParts(op: Operation, fx: Fixtures, strategy: Strategy): fc.Arbitrary<Parts> {
  const isFlow = op.path.startsWith('/flows/');
  const existing = isFlow ? fx.flow : fx.source;
  const idKey = isFlow ? 'flowId' : 'sourceId';
  const name: fc.Arbitrary<string> = fc.constant(FIXTURE_TAG);
  const query = queryString(op, fx);
  const withBody = (
    id: fc.Arbitrary<string>,
    body: (id: string) => fc.Arbitrary<{ body?: string | Buffer; intent: string }>,
    intent: string,
    tag = name,
  ) =>
    fc.tuple(id, tag, query).chain(([idValue, tagValue, q]) =>
      body(idValue).map((b): Parts => ({
        params: { [idKey]: idValue, name: tagValue },
        query: q,
        body: b.body,
        intent: `${intent}${b.intent ? `; ${b.intent}` : ''}`,
      })),
    );
  const anyBody = (id: string) =>
    op.body
      ? fc.oneof(
          plausibleBody(op, fx, id).map((body) => ({ body, intent: '' })),
          poisonedBody(op.body, fx, id),
        )
      : fc.constant({ body: undefined, intent: '' });
  switch (strategy) {
    case 'bad-id':
      return withBody(badId([existing]), anyBody, `${idKey} is not a UUID`);
    case 'unknown-id':
      return withBody(unknownUuid(fx.ids), anyBody, `${idKey} names nothing`);
    case 'bad-tag-name':
      return withBody(fc.constant(existing), anyBody, 'tag name in the path is invalid', badTagName);
    case 'read-only':
      return withBody(fc.constant(fx.readOnlyFlow), anyBody, 'the flow is read-only');
    case 'body':
      return withBody(
        isFlow ? fc.constantFrom(fx.flow, fx.flow, fx.readOnlyFlow) : fc.constant(fx.source),
        (id) => poisonedBody(op.body!, fx, id),
        'invalid body',
      );
    case 'query':
      return fc
        .tuple(
          query,
          fc.oneof(
            badTimerange.map((t) => `timerange=${percentEncode(t)}`),
            fc
              .tuple(validTimerange, validTimerange)
              .map(([a, b]) => `timerange=${percentEncode(a)}&timerange=${percentEncode(b)}`),
            fc
              .tuple(hostileString, hostileString)
              .map(([a, b]) => `object_id=${percentEncode(a)}&object_id=${percentEncode(b)}`),
          ),
          fc.boolean(),
        )
        .map(([noise, poison, first]): Parts => ({
          params: { flowId: fx.flow },
          query: [first ? poison : noise, first ? noise : poison].filter(Boolean).join('&'),
          intent: 'timerange or object_id invalid or repeated',
        }));
  }
}

/** True when the server certainly refuses `parts` of a mutation as built (re-checked on the wire form). */
function stillPoisoned(
  op: Operation,
  fx: Fixtures,
  strategy: Strategy,
  path: string,
  query: string,
): boolean {
  const segments = path.split('/');
  const template = op.path.split('/');
  const at = (param: string) => {
    const i = template.indexOf(`{${param}}`);
    return i < 0 ? undefined : decodedSegment(segments[i] ?? '');
  };
  const id = at(op.path.startsWith('/flows/') ? 'flowId' : 'sourceId');
  switch (strategy) {
    case 'bad-id':
      return id === undefined || !validateUuid(id).ok;
    case 'unknown-id':
      return id === undefined || !fx.ids.includes(id);
    case 'bad-tag-name': {
      const tag = at('name');
      return tag === undefined || !validateTagName(tag).ok;
    }
    case 'read-only':
      return id === fx.readOnlyFlow;
    case 'body':
      return true; // the body generators guarantee it
    case 'query': {
      const q = new URLSearchParams(query);
      const ranges = q.getAll('timerange');
      return (
        ranges.length > 1 ||
        q.getAll('object_id').length > 1 ||
        (ranges.length === 1 && !parseTimeRange(ranges[0]!).ok)
      );
    }
  }
}

function assemble(
  op: Operation,
  parts: Parts,
  segments: Record<string, string>,
  headers: Headers,
  mustBeRefused: boolean,
): HostileRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, p: string) => segments[p] ?? '');
  return {
    method: op.method,
    target: parts.query ? `${path}?${parts.query}` : path,
    headers,
    body: parts.body,
    api: 'rest',
    operation: operationName(op),
    intent: parts.intent,
    mustBeRefused,
  };
}

/** Encodes each path parameter (properly, raw or broken) and draws the headers. */
function onTheWire(op: Operation, parts: Parts, mustBeRefused: boolean): fc.Arbitrary<HostileRequest> {
  const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  return fc
    .tuple(fc.tuple(...params.map((p) => pathSegment(parts.params[p] ?? ''))), hostileHeaders)
    .map(([encoded, headers]) =>
      assemble(op, parts, Object.fromEntries(params.map((p, i) => [p, encoded[i]!])), headers, mustBeRefused),
    )
    .map(fitHeaders);
}

/** Drops the padding header when the request would cross node's header limit. */
function fitHeaders(req: HostileRequest): HostileRequest {
  if (headerBytes(req.target, req.headers as Headers) <= HEADER_BUDGET) return req;
  const { 'x-hostile-padding': _padding, ...headers } = req.headers;
  return { ...req, headers };
}

const withinLimits = (req: HostileRequest) =>
  headerBytes(req.target, req.headers as Headers) <= HEADER_BUDGET && !LEAK_WORDS.test(req.target);

/** Malformed requests for `op`. */
export function restRequests(op: Operation, fx: Fixtures): fc.Arbitrary<HostileRequest> {
  if (isRead(op)) {
    const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    return fc
      .tuple(
        fc.tuple(...params.map((p) => readParam(p, fx))),
        queryString(op, fx),
        // Bodies on reads: ignored, or read by mistake.
        fc.option(fc.oneof(hostileJsonValue.map(json), deepJson), { freq: 8 }),
      )
      .chain(([values, query, body]) =>
        onTheWire(
          op,
          {
            params: Object.fromEntries(params.map((p, i) => [p, values[i]!])),
            query,
            body: body ?? undefined,
            intent: 'read with hostile ids, query and headers',
          },
          false,
        ),
      )
      .filter(withinLimits);
  }
  return fc
    .constantFrom(...strategies(op))
    .chain((strategy) =>
      mutationParts(op, fx, strategy)
        .chain((parts) => onTheWire(op, parts, true))
        .filter((req) => {
          const q = req.target.indexOf('?');
          return stillPoisoned(
            op,
            fx,
            strategy,
            q < 0 ? req.target : req.target.slice(0, q),
            q < 0 ? '' : req.target.slice(q + 1),
          );
        }),
    )
    .filter(withinLimits);
}
