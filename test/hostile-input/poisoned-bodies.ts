import fc from 'fast-check';
import { parseTimestamp } from '../../lib/tams/index.js';
import type { Fixtures } from './fixtures.js';
import { objectIdProblem } from '../../lib/objects/index.js';
import { anyObjectIdArb } from '../../lib/objects/test-support/object-id-arbitraries.js';
import {
  brokenJson,
  deepJson,
  PROTO_KEYS,
  hostileJsonValue,
  invalidUtf8Json,
  json,
  jsonOtherThan,
  NOT_UNICODE_MARKER,
  notUnicode,
  protoObject,
  withOwnKey,
} from './hostile-json.js';
import { badId, badTimerange, hostileString, unknownUuid } from './hostile-values.js';
import type { BodyKind } from './operations.js';

/**
 * Request bodies that are certainly invalid for their operation, each with what makes it so. Every
 * body breaks one rule of its 7.0 JSON schema for sure (a wrong type, a missing required property, an
 * id that is not a UUID, an unknown property where the schema is closed, ...) and carries hostile
 * strings and prototype keys everywhere else. Bodies the schema would accept are never produced.
 */
export interface PoisonedBody {
  readonly body: string | Buffer;
  readonly intent: string;
}

const VIDEO = 'urn:x-nmos:format:video';

function isJsonArray(body: string | Buffer): boolean {
  try {
    return Array.isArray(JSON.parse(body.toString()));
  } catch {
    return false;
  }
}

/** `{..., "key": <deep nesting>}`: the deep value is spliced in as text (JSON.stringify would overflow). */
const spliceDeep = (objectText: string, key: string, deep: string) =>
  objectText === '{}'
    ? `{${JSON.stringify(key)}:${deep}}`
    : `${objectText.slice(0, -1)},${JSON.stringify(key)}:${deep}}`;

/** Poisons every body kind shares: not JSON, not UTF-8, the wrong JSON type, nothing at all. */
function notTheType(type: 'string' | 'number' | 'boolean' | 'object' | 'array', optional = false) {
  const arbitraries: fc.Arbitrary<PoisonedBody>[] = [
    brokenJson.map((body) => ({ body, intent: 'broken JSON' })),
    invalidUtf8Json.map((body) => ({ body, intent: 'invalid UTF-8' })),
    jsonOtherThan(type).map((v) => ({ body: json(v), intent: `not a JSON ${type}` })),
  ];
  if (!optional)
    arbitraries.push(fc.constantFrom('', ' ', '\n').map((body) => ({ body, intent: 'no body' })));
  return arbitraries;
}

/** Hostile members that do not by themselves make a body invalid (unknown keys of open schemas, ...). */
const noise = fc.option(
  fc.tuple(protoObject, fc.dictionary(hostileString, hostileJsonValue, { maxKeys: 2 })),
  {
    nil: undefined,
  },
);

const withNoise = (
  o: Record<string, unknown>,
  extra: [Record<string, unknown>, Record<string, unknown>] | undefined,
) => {
  if (!extra) return o;
  const [proto, more] = extra;
  for (const [k, v] of Object.entries(more)) if (!(k in o)) o[k] = v;
  for (const k of Object.keys(proto))
    if (!Object.prototype.hasOwnProperty.call(o, k)) withOwnKey(o, k, proto[k]);
  return o;
};

/** Member `key` of `o` set to a poisoned value, or removed (`undefined`). */
type Poison = readonly [key: string, value: unknown, intent: string];

/** An object from `base`, with one poison applied and noise added; maybe with deep nesting under the poisoned key. */
function poisonedObject(
  base: fc.Arbitrary<Record<string, unknown>>,
  poisons: fc.Arbitrary<Poison>,
  options: { closed?: boolean; openObjects?: readonly string[] } = {},
): fc.Arbitrary<PoisonedBody> {
  return fc
    .tuple(base, poisons, options.closed ? fc.constant(undefined) : noise, fc.option(deepJson, { freq: 8 }))
    .map(([o, [key, value, intent], extra, deep]) => {
      // Noise first, poison last: a noise key can never undo the poison.
      const target = withNoise({ ...o }, extra);
      // An object whose members are all optional and unknown keys ignored accepts `{"a": {...}}`.
      if (deep !== null && !options.openObjects?.includes(key)) {
        // The poisoned member itself becomes the deep value: deep nesting is never a valid value here.
        delete target[key];
        return { body: spliceDeep(json(target), key, deep), intent: `${intent}; ${key} deeply nested` };
      }
      if (value === undefined) delete target[key];
      else target[key] = value;
      return { body: json(target), intent };
    });
}

const notString = jsonOtherThan('string');
const notBoolean = jsonOtherThan('boolean');
const notArray = jsonOtherThan('array');
/** Numbers that are no count: negative, or not whole. */
const notCount = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  jsonOtherThan('number'),
);

export function poisonedBody(kind: BodyKind, fx: Fixtures, pathId: string): fc.Arbitrary<PoisonedBody> {
  const typed = typedPoison(kind, fx, pathId);
  const unicode = notUnicodeBody(kind, fx, pathId);
  return unicode ? fc.oneof({ weight: 6, arbitrary: typed }, { weight: 1, arbitrary: unicode }) : typed;
}

/**
 * A body its schema accepts in every way but one: a string in it is not text (raw bytes that are not
 * UTF-8, or a lone surrogate escape). A lenient decoder turns those into U+FFFD and stores the result;
 * the store must refuse the body (issue 10). Kinds without strings have none.
 */
function notUnicodeBody(
  kind: BodyKind,
  fx: Fixtures,
  pathId: string,
): fc.Arbitrary<PoisonedBody> | undefined {
  const M = NOT_UNICODE_MARKER;
  const value = (() => {
    switch (kind) {
      case 'string':
        return `label ${M}`;
      case 'flow':
        return {
          id: pathId,
          source_id: fx.source,
          format: VIDEO,
          codec: 'video/h264',
          container: 'video/mp2t',
          label: `camera ${M}`,
          essence_parameters: { frame_width: 640, frame_height: 360 },
        };
      case 'collection':
        return [{ id: fx.readOnlyFlow, role: M }];
      case 'segments':
        return {
          object_id: fx.objectId,
          timerange: '[200:0_201:0)',
          get_urls: [{ url: 'https://cdn.example/a', label: M }],
        };
      case 'storage':
        return { object_ids: [`new/${M}`] };
      case 'webhook':
        return { url: fx.webhookUrl, events: ['flows/created'], api_key_name: M, api_key_value: 'v' };
      case 'service':
        return { name: M };
      case 'boolean':
      case 'bitRate':
        return undefined;
    }
  })();
  return value === undefined
    ? undefined
    : notUnicode(value).map(({ body, intent }) => ({ body, intent: `not Unicode: ${intent}` }));
}

function typedPoison(kind: BodyKind, fx: Fixtures, pathId: string): fc.Arbitrary<PoisonedBody> {
  switch (kind) {
    case 'string':
      return fc.oneof(
        ...notTheType('string'),
        deepJson.map((body) => ({ body, intent: 'deep JSON, not a string' })),
      );
    case 'boolean':
      return fc.oneof(
        ...notTheType('boolean'),
        deepJson.map((body) => ({ body, intent: 'deep JSON, not a boolean' })),
      );
    case 'bitRate':
      return fc.oneof(
        ...notTheType('number'),
        notCount.map((v) => ({ body: json(v), intent: 'not an integer >= 0' })),
        deepJson.map((body) => ({ body, intent: 'deep JSON, not a number' })),
      );
    case 'flow':
      return fc.oneof(...notTheType('object'), flowBody(fx, pathId));
    case 'collection':
      return fc.oneof(...notTheType('array'), collectionBody(fx));
    case 'segments':
      return segmentsBody(fx);
    case 'storage':
      return fc.oneof(...notTheType('object', true), storageBody());
    case 'webhook':
      return fc.oneof(...notTheType('object'), webhookBody(fx));
    case 'service':
      return fc.oneof(...notTheType('object'), serviceBody());
  }
}

function flowBody(fx: Fixtures, pathId: string): fc.Arbitrary<PoisonedBody> {
  const base = fc.record({
    id: fc.constant(pathId),
    source_id: fc.constant(fx.source),
    format: fc.constant(VIDEO),
    codec: fc.constant('video/h264'),
    container: fc.constant('video/mp2t'),
    label: hostileString,
    description: hostileString,
    tags: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
    essence_parameters: fc.constant({ frame_width: 640, frame_height: 360 }),
  });
  const poisons = fc.oneof(
    unknownUuid([...fx.ids, pathId]).map((v): Poison => ['id', v, 'body id is not the path id']),
    badId([pathId]).map((v): Poison => ['id', v, 'body id is not a UUID']),
    fc.constant<Poison>(['id', undefined, 'no id']),
    notString.map((v): Poison => ['id', v, 'id is not a string']),
    badId([fx.source]).map((v): Poison => ['source_id', v, 'source_id is not a UUID']),
    fc.constant<Poison>(['source_id', undefined, 'no source_id']),
    fc
      .oneof(
        hostileString,
        fc.constantFrom('urn:x-nmos:format:smell', 'video', 'URN:X-NMOS:FORMAT:VIDEO', `${VIDEO} `),
      )
      .map((v): Poison => ['format', v, 'format is not a 7.0 format URN']),
    fc.constant<Poison>(['format', undefined, 'no format']),
    fc
      .constantFrom('h264', '', 'video/', '/h264', 'video h264', 'video/mp2t/extra')
      .map((v): Poison => ['codec', v, 'codec is not a MIME type']),
    fc
      .oneof(
        notString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.constant([]),
      )
      .map((v): Poison => ['tags', v, 'tags is not an object']),
    fc
      .tuple(
        // A `__proto__` member might be skipped by a parser, leaving valid tags behind.
        hostileString.filter((name) => !PROTO_KEYS.includes(name)),
        fc.oneof(fc.integer(), fc.array(hostileString, { minLength: 1 }), fc.constant(null)),
      )
      .map(([name, value]): Poison => ['tags', { [name]: value }, 'a tag value is not a string']),
    fc.constant<Poison>(['essence_parameters', undefined, 'a video flow without essence_parameters']),
    fc
      .oneof(
        jsonOtherThan('object'),
        fc.constant({ frame_width: -1, frame_height: 360 }),
        fc.constant({ frame_width: 640.5, frame_height: 360 }),
        fc.constant({ frame_width: '640', frame_height: 360 }),
        fc.constant({ frame_height: 360 }),
        hostileString.map((k) => ({ frame_width: 640, frame_height: 360, [`x-${k}`]: 1 })),
      )
      .map((v): Poison => ['essence_parameters', v, 'essence_parameters break the video schema']),
    notBoolean.map((v): Poison => ['read_only', v, 'read_only is not a boolean']),
    notCount.map((v): Poison => ['generation', v, 'generation is not an integer >= 0']),
    notCount.map((v): Poison => ['avg_bit_rate', v, 'avg_bit_rate is not an integer >= 0']),
    fc
      .constantFrom({ numerator: 0 }, { numerator: 25, denominator: 0 }, { denominator: 1 }, 25)
      .map((v): Poison => ['segment_duration', v, 'segment_duration is not a rational']),
    fc
      .oneof(
        notArray,
        badId([]).map((id) => [{ id, role: 'x' }]),
      )
      .map((v): Poison => ['flow_collection', v, 'flow_collection breaks its schema']),
    fc
      .constantFrom({ track_index: -1 }, { track_index: 'x' }, { audio_track: { channel_range: '1-2' } })
      .map((v): Poison => ['container_mapping', v, 'container_mapping breaks its schema']),
  );
  return poisonedObject(base, poisons, { openObjects: ['container_mapping'] });
}

function collectionBody(fx: Fixtures): fc.Arbitrary<PoisonedBody> {
  const validLooking = unknownUuid(fx.ids).chain((id) => hostileString.map((role) => ({ id, role })));
  const poisonedItem = fc.oneof(
    fc.tuple(badId(fx.ids), hostileString).map(([id, role]) => ({ id, role })),
    hostileString.map((role) => ({ role })),
    fc.tuple(unknownUuid(fx.ids), notString).map(([id, role]) => ({ id, role })),
    unknownUuid(fx.ids).map((id) => ({ id })),
    fc
      .tuple(
        unknownUuid(fx.ids),
        fc.constantFrom<unknown>({ track_index: -1 }, { mp2ts_container: { pid: 'x' } }, 7),
      )
      .map(([id, container_mapping]) => ({ id, role: 'r', container_mapping })),
    jsonOtherThan('object'),
  );
  return fc.oneof(
    fc.tuple(fc.array(validLooking, { maxLength: 3 }), poisonedItem, fc.nat()).map(([items, bad, at]) => {
      const list: unknown[] = [...items];
      list.splice(at % (items.length + 1), 0, bad);
      return { body: json(list), intent: 'a collection item breaks its schema' };
    }),
    deepJson.map((deep) => ({ body: `[${deep}]`, intent: 'a deeply nested collection item' })),
  );
}

/** One segment that breaks its schema (object_id, timerange, timestamps, counts or get_urls). */
function poisonedSegment(fx: Fixtures): fc.Arbitrary<{ value: Record<string, unknown>; intent: string }> {
  const base = fc.record({
    object_id: fc.oneof(
      fc.constant(fx.objectId),
      hostileString.filter((s) => s !== ''),
    ),
    timerange: fc.constantFrom('[100:0_101:0)', '[0:0_10:0)', '_'),
    get_urls: fc.option(fc.array(fc.record({ url: hostileString, label: hostileString }), { maxLength: 2 }), {
      nil: undefined,
    }),
  });
  const badTimestamp = fc.oneof(badTimerange, hostileString).filter((s) => !parseTimestamp(s).ok);
  const poisons = fc.oneof(
    fc.constantFrom<Poison>(['object_id', undefined, 'no object_id'], ['object_id', '', 'empty object_id']),
    notString.map((v): Poison => ['object_id', v, 'object_id is not a string']),
    fc.constant<Poison>(['timerange', undefined, 'no timerange']),
    badTimerange.map((v): Poison => ['timerange', v, 'timerange is not a timerange']),
    notString.map((v): Poison => ['timerange', v, 'timerange is not a string']),
    fc
      .tuple(fc.constantFrom('ts_offset', 'last_duration'), fc.oneof(badTimestamp, notString))
      .map(([k, v]): Poison => [k, v, `${k} is not a timestamp`]),
    fc
      .tuple(fc.constantFrom('sample_offset', 'sample_count', 'key_frame_count'), notCount)
      .map(([k, v]): Poison => [k, v, `${k} is not an integer >= 0`]),
    fc
      .oneof(
        notArray,
        fc.constant([{ label: 'x' }]),
        fc.constant([{ url: 42 }]),
        fc.constant(['https://x.example']),
      )
      .map((v): Poison => ['get_urls', v, 'get_urls breaks its schema']),
    // URLs no media client can GET, or a browser would run (issue 10): http(s) only.
    fc
      .constantFrom(
        'javascript:alert(1)',
        'JavaScript:alert(document.cookie)//https://cdn.example/',
        'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
        'vbscript:msgbox(1)',
        'file:///etc/passwd',
        's3://bucket/key.ts',
        'ftp://cdn.example/a.ts',
        'blob:https://cdn.example/0b3a',
        'java\tscript:alert(1)',
        'java\nscript:alert(1)',
        ' https://cdn.example/a.ts',
        'https://user:secret@cdn.example/a.ts',
        '//cdn.example/a.ts',
        'https://',
      )
      .map((url): Poison => ['get_urls', [{ url }], 'a get URL media clients cannot fetch']),
  );
  return fc.tuple(base, poisons, noise).map(([o, [key, value, intent], extra]) => {
    const target = withNoise({ ...o }, extra);
    if (value === undefined) delete target[key];
    else target[key] = value;
    return { value: target, intent };
  });
}

/**
 * POST segments: one poisoned segment (400), or an array where every item is poisoned (the 7.0 bulk
 * form is not atomic, so a single valid item would be stored), sometimes thousands of them.
 */
function segmentsBody(fx: Fixtures): fc.Arbitrary<PoisonedBody> {
  const item = fc.oneof(
    { weight: 5, arbitrary: poisonedSegment(fx) },
    {
      weight: 1,
      arbitrary: jsonOtherThan('object').map((value) => ({ value, intent: 'an item is not an object' })),
    },
  );
  return fc.oneof(
    { weight: 3, arbitrary: poisonedSegment(fx).map(({ value, intent }) => ({ body: json(value), intent })) },
    {
      weight: 3,
      arbitrary: fc.array(item, { minLength: 1, maxLength: 6 }).map((items) => ({
        body: json(items.map((i) => i.value)),
        intent: `bulk: ${items.map((i) => i.intent).join(', ')}`,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(poisonedSegment(fx), fc.integer({ min: 1000, max: 20_000 })).map(([s, n]) => ({
        body: `[${Array.from({ length: n }, () => json(s.value)).join(',')}]`,
        intent: `bulk of ${n} segments: ${s.intent}`,
      })),
    },
    // Not arrays: a random array might hold a valid segment.
    { weight: 3, arbitrary: fc.oneof(...notTheType('object')).filter((b) => !isJsonArray(b.body)) },
    { weight: 1, arbitrary: deepJson.map((body) => ({ body, intent: 'deep JSON segments' })) },
  );
}

function storageBody(): fc.Arbitrary<PoisonedBody> {
  const base = fc.constant<Record<string, unknown>>({});
  const poisons = fc.oneof(
    notCount.map((v): Poison => ['limit', v, 'limit is not an integer >= 1']),
    fc.constantFrom<Poison>(['limit', 0, 'limit 0'], ['limit', null, 'limit null']),
    fc
      .oneof(notArray, fc.array(jsonOtherThan('string'), { minLength: 1, maxLength: 3 }))
      .map((v): Poison => ['object_ids', v, 'object_ids is not a list of strings']),
    badId([]).map((v): Poison => ['storage_id', v, 'storage_id is not a UUID']),
    // Ids no object store or URL can carry (issue 10): dot and empty segments, controls, too long, ...
    fc
      .oneof(
        fc.constantFrom('.', '..', 'a/.', 'c/./d', '../x', '/x', 'x/', 'a//b', ' .. ', 'a\tb'),
        anyObjectIdArb.filter((id) => objectIdProblem(id) !== undefined),
      )
      .map((id): Poison => ['object_ids', [id], 'an object id no store or URL can carry']),
    notString.map((v): Poison => ['storage_id', v, 'storage_id is not a string']),
  );
  return fc.oneof(
    poisonedObject(base, poisons),
    fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.array(hostileString, { minLength: 1, maxLength: 3 }))
      .map(([limit, object_ids]) => ({
        body: json({ limit, object_ids }),
        intent: 'both limit and object_ids',
      })),
    fc.constant({ body: 'null', intent: 'null, not an object' }),
  );
}

function webhookBody(fx: Fixtures): fc.Arbitrary<PoisonedBody> {
  const base = fc.record({
    url: fc.oneof(fc.constant(fx.webhookUrl), hostileString),
    api_key_name: hostileString,
    api_key_value: hostileString,
    events: fc.oneof(fc.constant(['flows/created']), fc.array(hostileString, { maxLength: 3 })),
    flow_ids: fc.constant([fx.flow]),
  });
  const poisons = fc.oneof(
    fc.constant<Poison>(['url', undefined, 'no url']),
    notString.map((v): Poison => ['url', v, 'url is not a string']),
    fc.constant<Poison>(['events', undefined, 'no events']),
    notArray.map((v): Poison => ['events', v, 'events is not a list']),
    fc
      .array(jsonOtherThan('string'), { minLength: 1, maxLength: 3 })
      .map((v): Poison => ['events', v, 'an event is not a string']),
    fc
      .tuple(
        fc.constantFrom(
          'flow_ids',
          'source_ids',
          'flow_collected_by_ids',
          'source_collected_by_ids',
          'accept_storage_ids',
        ),
        badId(fx.ids),
      )
      .map(([k, id]): Poison => [k, [id], `${k} holds a non-UUID`]),
    fc
      .tuple(fc.constantFrom('presigned', 'verbose_storage'), notBoolean)
      .map(([k, v]): Poison => [k, v, `${k} is not a boolean`]),
    fc
      .tuple(fc.constantFrom('api_key_name', 'api_key_value'), notString)
      .map(([k, v]): Poison => [k, v, `${k} is not a string`]),
    // 7.0: a filter the store does not support SHALL be refused with 400 (the schema is closed).
    fc
      .constantFrom('tag_filter', 'timerange', 'events_', 'URL', 'flow_id', 'format')
      .map((k): Poison => [k, 'x', `unknown property ${k}`]),
  );
  return poisonedObject(base, poisons, { closed: true });
}

function serviceBody(): fc.Arbitrary<PoisonedBody> {
  const base = fc.record({ name: hostileString, description: hostileString }, { requiredKeys: [] });
  const poisons = fc.oneof(
    fc
      .tuple(fc.constantFrom('name', 'description'), notString)
      .map(([k, v]): Poison => [k, v, `${k} is not a string`]),
    fc
      .constantFrom('type', 'api_version', 'service_version', 'event_stream_mechanisms', 'Name')
      .map((k): Poison => [k, 'x', `unknown property ${k}`]),
  );
  return poisonedObject(base, poisons, { closed: true });
}
