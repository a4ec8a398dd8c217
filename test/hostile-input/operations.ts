/**
 * Every REST operation of TAMS 7.0 (DIGEST §1: 25 paths, 74 operations, every GET with its HEAD), with
 * the query parameters it knows and the body it takes. The hostile generators need no more than this;
 * `hostile-input.test.ts` checks the list against the server's own routing table.
 */

/** What a body must be for the request to be valid: the generators make sure it is not. */
export type BodyKind =
  | 'string' // a bare JSON string: label, description, tag value
  | 'boolean' // read_only
  | 'bitRate' // an integer >= 0
  | 'flow'
  | 'collection' // flow_collection: an array of {id, role}
  | 'segments' // one segment or an array of them
  | 'storage' // optional
  | 'webhook'
  | 'service';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface Operation {
  readonly method: Method;
  /** The 7.0 path template. */
  readonly path: string;
  readonly query: readonly string[];
  readonly body?: BodyKind;
}

const PAGING = ['page', 'limit'];
const TAG_FILTERS = ['tag.genre', 'tag_exists.genre'];

/** Path template → its methods other than HEAD (added for every GET below). */
const TABLE: readonly [string, readonly [Exclude<Method, 'HEAD'>, readonly string[], BodyKind?][]][] = [
  ['/', [['GET', []]]],
  [
    '/service',
    [
      ['GET', []],
      ['POST', [], 'service'],
    ],
  ],
  ['/service/storage-backends', [['GET', []]]],
  [
    '/service/webhooks',
    [
      ['GET', []],
      ['POST', [], 'webhook'],
    ],
  ],
  ['/sources', [['GET', ['label', 'format', ...TAG_FILTERS, ...PAGING]]]],
  ['/sources/{sourceId}', [['GET', []]]],
  ['/sources/{sourceId}/tags', [['GET', []]]],
  [
    '/sources/{sourceId}/tags/{name}',
    [
      ['GET', []],
      ['PUT', [], 'string'],
      ['DELETE', []],
    ],
  ],
  [
    '/sources/{sourceId}/description',
    [
      ['GET', []],
      ['PUT', [], 'string'],
      ['DELETE', []],
    ],
  ],
  [
    '/sources/{sourceId}/label',
    [
      ['GET', []],
      ['PUT', [], 'string'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows',
    [
      [
        'GET',
        [
          'source_id',
          'timerange',
          'format',
          'codec',
          'label',
          ...TAG_FILTERS,
          'frame_width',
          'frame_height',
          ...PAGING,
        ],
      ],
    ],
  ],
  [
    '/flows/{flowId}',
    [
      ['GET', ['include_timerange', 'timerange']],
      ['PUT', [], 'flow'],
      ['DELETE', []],
    ],
  ],
  ['/flows/{flowId}/tags', [['GET', []]]],
  [
    '/flows/{flowId}/tags/{name}',
    [
      ['GET', []],
      ['PUT', [], 'string'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows/{flowId}/description',
    [
      ['GET', []],
      ['PUT', [], 'string'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows/{flowId}/label',
    [
      ['GET', []],
      ['PUT', [], 'string'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows/{flowId}/read_only',
    [
      ['GET', []],
      ['PUT', [], 'boolean'],
    ],
  ],
  [
    '/flows/{flowId}/flow_collection',
    [
      ['GET', []],
      ['PUT', [], 'collection'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows/{flowId}/max_bit_rate',
    [
      ['GET', []],
      ['PUT', [], 'bitRate'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows/{flowId}/avg_bit_rate',
    [
      ['GET', []],
      ['PUT', [], 'bitRate'],
      ['DELETE', []],
    ],
  ],
  [
    '/flows/{flowId}/segments',
    [
      [
        'GET',
        [
          'object_id',
          'timerange',
          'reverse_order',
          'verbose_storage',
          'accept_get_urls',
          'accept_storage_ids',
          'presigned',
          ...PAGING,
        ],
      ],
      ['POST', [], 'segments'],
      ['DELETE', ['timerange', 'object_id']],
    ],
  ],
  ['/flows/{flowId}/storage', [['POST', [], 'storage']]],
  ['/objects/{objectId}', [['GET', PAGING]]],
  ['/flow-delete-requests', [['GET', []]]],
  ['/flow-delete-requests/{request-id}', [['GET', []]]],
];

export const OPERATIONS: readonly Operation[] = TABLE.flatMap(([path, methods]) =>
  methods.flatMap(([method, query, body]): Operation[] =>
    method === 'GET'
      ? [
          { method, path, query },
          { method: 'HEAD', path, query },
        ]
      : [{ method, path, query, body }],
  ),
);

export const operationName = (op: Pick<Operation, 'method' | 'path'>) => `${op.method} ${op.path}`;

/** Reads cannot change the store, whatever they carry; everything else must be refused. */
export const isRead = (op: Pick<Operation, 'method'>) => op.method === 'GET' || op.method === 'HEAD';
