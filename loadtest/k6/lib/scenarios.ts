/**
 * The load suite's scenarios, defined once: what each journey sends, what its answers must satisfy, and
 * the load and thresholds it runs at. Read by the k6 scripts (loadtest/k6/*.ts, under k6 or the Node
 * compatibility layer in loadtest/k6-node/) and by the bench (`npm run bench`, loadtest/bench/), so the
 * two cannot drift. No imports and no host APIs: k6 and Node both load this file as it is.
 */

/** A TAMS timestamp `seconds:0` for a whole second. */
const ts = (seconds: number) => `${seconds}:0`;

/** Every seeded and ingested segment lasts one second; segment `i` of a flow covers [base + i, base + i + 1). */
export const segmentTimerange = (index: number, base = 0) => `[${ts(base + index)}_${ts(base + index + 1)})`;

/** A TAMS 7.0 video flow, as PUT /flows/{id} takes it. */
export function flowBody(id: string, sourceId: string, label: string) {
  return {
    id,
    source_id: sourceId,
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    label,
    essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
  };
}

/** The bodies of POST /flows/{id}/segments registering `objectIds` from segment index `first` on. */
export const segmentBatch = (objectIds: readonly string[], first: number, base = 0) =>
  objectIds.map((objectId, i) => ({ object_id: objectId, timerange: segmentTimerange(first + i, base) }));

/** The most objects one POST /flows/{id}/storage hands out; seeding allocates in chunks of this. */
export const ALLOCATION_CHUNK = 500;

/** What the media bytes of one test segment are: a few MPEG-TS null packets (188 bytes each). */
export const SEGMENT_CONTENT_TYPE = 'video/mp2t';
export const segmentPayload = (index: number) => `G${String(index).padStart(187, '\u00ff')}`.repeat(4);

/** The sizes of the flows each journey reads. */
export const SEED = {
  /** The window journey's flow: long enough that "mid-flow" is not near either end. */
  windowFlowSegments: 3000,
  /** The page journey's flow: exactly one full page. */
  pageFlowSegments: 1000,
  /** The GraphQL journey's flow. */
  graphqlFlowSegments: 100,
  /** The live studio: flows ingested into, and the segments each holds before the day starts. */
  studioFlows: 20,
  studioInitialSegments: 100,
} as const;

// ---------------------------------------------------------------------------------------------------
// Requests

/** REST: ten segments from the middle of a flow of `segments` segments. */
export function windowPath(flowId: string, segments: number): string {
  const middle = Math.floor(segments / 2);
  const range = `[${ts(middle)}_${ts(middle + 10)})`;
  return `/flows/${flowId}/segments?limit=10&timerange=${encodeURIComponent(range)}`;
}

/** REST: one page of 1000 segments, each with its presigned get URL. */
export const pagePath = (flowId: string) => `/flows/${flowId}/segments?limit=1000&presigned=true`;

/** REST: a reader's page of a flow (the first, or the one after `pageKey`). */
export const readerPagePath = (flowId: string, pageKey?: string) =>
  `/flows/${flowId}/segments?limit=100${pageKey ? `&page=${encodeURIComponent(pageKey)}` : ''}`;

export const storagePath = (flowId: string) => `/flows/${flowId}/storage`;
export const segmentsPath = (flowId: string) => `/flows/${flowId}/segments`;

/** The segments one ingest request registers (the ingest journeys and the bench's `ingest-batch`). */
export const INGEST_BATCH = 10;

/**
 * GraphQL across both subgraphs: the flow, its source and ten segments from media, its statistics and
 * coverage from analytics, in one request.
 */
export const CROSS_SUBGRAPH_QUERY = `query CrossSubgraph($id: ID!) {
  flow(id: $id) {
    id label format codec
    source { id label }
    segments(limit: 10) { nodes { objectId timerange } }
    stats { segmentCount firstStart lastEnd }
    coverage { ratio gapCount }
  }
}`;

/** The media subgraph's share of CROSS_SUBGRAPH_QUERY, sent to the media subgraph itself (`media-direct`). */
export const MEDIA_DIRECT_QUERY = `query MediaDirect($id: ID!) {
  flow(id: $id) {
    id label format codec
    source { id label }
    segments(limit: 10) { nodes { objectId timerange } }
  }
}`;

/** What a dashboard watches: a flow's segment count, sent after each change. */
export const FLOW_UPDATED_SUBSCRIPTION = `subscription FlowUpdated($id: ID!) {
  flowUpdated(id: $id) { id stats { segmentCount lastEnd } }
}`;

/** The graphql-ws subprotocol (the client offers it in Sec-WebSocket-Protocol). */
export const GRAPHQL_WS_PROTOCOL = 'graphql-transport-ws';

// ---------------------------------------------------------------------------------------------------
// Checks: named predicates on an answer, the same for k6 `check()` and the bench's answer checks.

/** An HTTP answer as both clients see it. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  header(name: string): string | undefined;
}

export type Checks = Readonly<Record<string, (answer: Answer) => boolean>>;

interface SegmentJson {
  object_id?: unknown;
  timerange?: unknown;
  get_urls?: { url?: unknown; presigned?: unknown }[];
}

function json(answer: Answer): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return undefined;
  }
}

const segmentsOf = (answer: Answer): SegmentJson[] | undefined => {
  const body = json(answer);
  return Array.isArray(body) ? (body as SegmentJson[]) : undefined;
};

const hasPresignedUrl = (s: SegmentJson) =>
  Array.isArray(s.get_urls) && s.get_urls.some((u) => u.presigned === true && typeof u.url === 'string');

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
}

const graphqlOf = (answer: Answer): GraphQLAnswer | undefined => {
  const body = json(answer);
  return typeof body === 'object' && body !== null ? body : undefined;
};

const noGraphQLErrors = (answer: Answer) => {
  const body = graphqlOf(answer);
  return body !== undefined && body.errors === undefined && body.data != null;
};

interface FlowAnswer {
  id?: string;
  source?: { id?: string } | null;
  segments?: { nodes?: unknown[] };
  stats?: { segmentCount?: number };
  coverage?: { ratio?: number };
}

const flowOf = (answer: Answer) => graphqlOf(answer)?.data?.flow as FlowAnswer | null | undefined;

export const CHECKS = {
  window: {
    'window: status 200': (a) => a.status === 200,
    'window: 10 segments': (a) => segmentsOf(a)?.length === 10,
    'window: every segment has a presigned get_url': (a) => segmentsOf(a)?.every(hasPresignedUrl) === true,
  },
  page1000: {
    'page: status 200': (a) => a.status === 200,
    'page: 1000 segments': (a) => segmentsOf(a)?.length === 1000,
    'page: every segment has a presigned get_url': (a) => segmentsOf(a)?.every(hasPresignedUrl) === true,
  },
  readerPage: {
    'reader page: status 200': (a) => a.status === 200,
    'reader page: segments': (a) => (segmentsOf(a)?.length ?? 0) > 0,
  },
  allocation: {
    'allocate: status 201': (a) => a.status === 201,
    'allocate: a put_url per object': (a) => {
      const body = json(a) as { media_objects?: { object_id?: unknown; put_url?: { url?: unknown } }[] };
      return (
        Array.isArray(body?.media_objects) &&
        body.media_objects.length > 0 &&
        body.media_objects.every((o) => typeof o.object_id === 'string' && typeof o.put_url?.url === 'string')
      );
    },
  },
  upload: {
    'upload: status 201': (a) => a.status === 201,
  },
  registration: {
    'register: status 201': (a) => a.status === 201,
  },
  crossSubgraph: {
    'graphql: status 200': (a) => a.status === 200,
    'graphql: no errors': noGraphQLErrors,
    'graphql: media fields': (a) => {
      const flow = flowOf(a);
      return typeof flow?.source?.id === 'string' && flow.segments?.nodes?.length === 10;
    },
    'graphql: analytics fields': (a) => {
      const flow = flowOf(a);
      return typeof flow?.stats?.segmentCount === 'number' && typeof flow.coverage?.ratio === 'number';
    },
  },
  mediaDirect: {
    'media: status 200': (a) => a.status === 200,
    'media: no errors': noGraphQLErrors,
    'media: 10 segments': (a) => flowOf(a)?.segments?.nodes?.length === 10,
  },
} satisfies Record<string, Checks>;

/** The allocation answer's objects (after CHECKS.allocation passed). */
export function allocatedObjects(
  answer: Answer,
): { objectId: string; putUrl: string; contentType: string }[] {
  const body = JSON.parse(answer.body) as {
    media_objects: { object_id: string; put_url: { url: string; 'content-type'?: string } }[];
  };
  return body.media_objects.map((o) => ({
    objectId: o.object_id,
    putUrl: o.put_url.url,
    contentType: o.put_url['content-type'] ?? SEGMENT_CONTENT_TYPE,
  }));
}

// ---------------------------------------------------------------------------------------------------
// Load and thresholds

export interface Limits {
  /** Latency percentiles of the journey's HTTP requests, milliseconds. */
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Largest acceptable share of failed requests (k6 `http_req_failed`, the bench's errors). */
  readonly errorRate: number;
}

export interface Journey {
  /** The name in the bench's results (loadtest/results/latest.json) and the k6 tag `journey`. */
  readonly name: string;
  /** Concurrent clients: k6 VUs, autocannon connections. */
  readonly vus: number;
  /** A k6 duration. */
  readonly duration: string;
  readonly limits: Limits;
}

export const JOURNEYS = {
  window: {
    name: 'rest-window-limit10',
    vus: 20,
    duration: '1m',
    limits: { p95Ms: 50, p99Ms: 150, errorRate: 0.001 },
  },
  page: {
    name: 'presigned-page-1000',
    vus: 4,
    duration: '1m',
    limits: { p95Ms: 800, p99Ms: 1500, errorRate: 0.001 },
  },
  ingest: {
    name: 'ingest-batch',
    vus: 10,
    duration: '1m',
    limits: { p95Ms: 250, p99Ms: 500, errorRate: 0.001 },
  },
  graphql: {
    name: 'graphql-cross-subgraph',
    vus: 20,
    duration: '1m',
    limits: { p95Ms: 100, p99Ms: 250, errorRate: 0.001 },
  },
  subscriptions: {
    name: 'graphql-ws-subscriptions',
    vus: 50,
    duration: '1m',
    // For the writes that make the events; the write → update latency has its own threshold below.
    limits: { p95Ms: 250, p99Ms: 500, errorRate: 0.001 },
  },
  studioIngest: {
    name: 'studio-ingest',
    vus: 20,
    duration: '5m',
    limits: { p95Ms: 300, p99Ms: 800, errorRate: 0.001 },
  },
  studioReaders: {
    name: 'studio-readers',
    vus: 100,
    duration: '5m',
    limits: { p95Ms: 300, p99Ms: 800, errorRate: 0.001 },
  },
  studioDashboards: {
    name: 'studio-dashboards',
    vus: 200,
    duration: '5m',
    limits: { p95Ms: 300, p99Ms: 800, errorRate: 0.001 },
  },
} as const satisfies Record<string, Journey>;

/** The live studio's ingest rate: segments per second across all its flows. */
export const STUDIO_INGEST_PER_SECOND = 50;
/** How long a dashboard watches before reconnecting (seconds). */
export const DASHBOARD_WATCH_SECONDS = 30;
/** Write → subscription update, milliseconds (the custom Trend `tams_update_latency`). */
export const UPDATE_LATENCY_LIMITS = { p95Ms: 250, p99Ms: 500 } as const;

/**
 * k6 thresholds for the journeys run by one script: per journey (the scenario tag `journey`), request
 * latency p95/p99 and the failed-request rate; and every check passing.
 */
export function k6Thresholds(journeys: readonly Journey[]): Record<string, string[]> {
  const thresholds: Record<string, string[]> = { checks: ['rate==1'] };
  for (const j of journeys) {
    thresholds[`http_req_duration{journey:${j.name}}`] = [
      `p(95)<${j.limits.p95Ms}`,
      `p(99)<${j.limits.p99Ms}`,
    ];
    thresholds[`http_req_failed{journey:${j.name}}`] = [`rate<${j.limits.errorRate}`];
  }
  return thresholds;
}
