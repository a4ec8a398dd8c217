import { expect } from 'vitest';

/**
 * The first GraphQL session of the README, run against a live store over HTTP: create a flow, allocate
 * storage, upload through the put URL, register segments, list them with get URLs, download, check the
 * federated stats, then delete. Returns what was observed with run-specific values (ids, URLs, times)
 * replaced, so two deployments can be compared for identical behaviour.
 */

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL endpoint, and the headers (credentials) to call it with. */
export type Endpoint = string | { readonly url: string; readonly headers: Readonly<Record<string, string>> };

export async function graphql<T>(
  endpoint: Endpoint,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const { url, headers } = typeof endpoint === 'string' ? { url: endpoint, headers: {} } : endpoint;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.headers.get('content-type')).toMatch(/json/);
  return (await response.json()) as GraphQLResponse<T>;
}

async function ok<T>(endpoint: Endpoint, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await graphql<T>(endpoint, query, variables);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data!;
}

export async function runScenario(
  graphqlUrl: Endpoint,
  ids: { flowId: string; sourceId: string },
): Promise<unknown> {
  const { flowId, sourceId } = ids;
  const observed: Record<string, unknown> = {};
  observed.created = await ok(
    graphqlUrl,
    `mutation($id: ID!, $flow: FlowInput!) { putFlow(id: $id, flow: $flow) { created flow { id format source { id format } } } }`,
    {
      id: flowId,
      flow: {
        sourceId,
        format: 'VIDEO',
        codec: 'video/h264',
        container: 'video/mp2t',
        label: 'scenario',
        video: { frameWidth: 1280, frameHeight: 720, frameRate: { numerator: 25 } },
      },
    },
  );
  const allocation = await ok<{
    allocateStorage: { mediaObjects: { objectId: string; putUrl: { url: string; contentType: string } }[] };
  }>(
    graphqlUrl,
    `mutation($id: ID!) { allocateStorage(flowId: $id, input: { limit: 2 }) { mediaObjects { objectId putUrl { url contentType } } } }`,
    { id: flowId },
  );
  const objects = allocation.allocateStorage.mediaObjects;
  const bytes = objects.map((_, i) => Buffer.from(`segment ${i} of the scenario `.repeat(50)));
  for (const [i, o] of objects.entries()) {
    const put = await fetch(o.putUrl.url, {
      method: 'PUT',
      headers: { 'content-type': o.putUrl.contentType },
      body: bytes[i],
    });
    expect(put.status, `upload ${i}`).toBeLessThan(300);
  }
  observed.added = await ok(
    graphqlUrl,
    `mutation($id: ID!, $s: [SegmentInput!]!) { addSegments(flowId: $id, segments: $s) { failed { index error { type } } } }`,
    {
      id: flowId,
      s: [
        { objectId: objects[0]!.objectId, timerange: '[0:0_10:0)' },
        { objectId: objects[1]!.objectId, timerange: '[10:0_20:0)' },
        { objectId: objects[1]!.objectId, timerange: '[15:0_25:0)' },
      ],
    },
  );
  const listing = await ok<{
    flow: {
      timerange: string;
      stats: { segmentCount: number };
      segments: { nodes: { timerange: string; getUrls: { url: string; presigned: boolean }[] }[] };
    };
  }>(
    graphqlUrl,
    `query($id: ID!) { flow(id: $id) { timerange stats { segmentCount } segments(timerange: "[5:0_") { nodes { timerange getUrls { url presigned controlled } } } } }`,
    { id: flowId },
  );
  for (const [i, segment] of listing.flow.segments.nodes.entries()) {
    const download = await fetch(segment.getUrls[0]!.url);
    expect(download.status).toBe(200);
    expect(
      Buffer.from(await download.arrayBuffer()).equals(bytes[i]!),
      `downloaded bytes of segment ${i}`,
    ).toBe(true);
  }
  // The analytics subgraph's fields beside the media subgraph's, in one federated request.
  observed.analytics = await ok(
    graphqlUrl,
    `query($id: ID!) { flow(id: $id) {
       stats { segmentCount totalDuration firstStart lastEnd }
       coverage(timerange: "[0:0_30:0)") { timerange coveredSeconds ratio gapCount gaps { timerange seconds } }
       timeline(buckets: 2) { timerange segmentCount coveredSeconds }
       segmentDurationStats { count mean percentiles(p: [0.5]) { p value } }
       source { stats { flowCount segmentCount totalDuration } } } }`,
    { id: flowId },
  );
  observed.listing = {
    timerange: listing.flow.timerange,
    stats: listing.flow.stats,
    segments: listing.flow.segments.nodes.map((n) => ({
      timerange: n.timerange,
      urls: n.getUrls.length,
      presigned: n.getUrls[0]!.presigned,
    })),
  };
  observed.errors = {
    unknownFlow: (
      await graphql(
        graphqlUrl,
        `
          mutation {
            setFlowLabel(id: "00000000-0000-4000-8000-000000000000", label: "x") {
              id
            }
          }
        `,
      )
    ).errors?.[0]?.extensions?.code,
    badTimerange: (
      await graphql(
        graphqlUrl,
        `{ flow(id: "${flowId}") { segments(timerange: "[0:0_1:05)") { nodes { timerange } } } }`,
      )
    ).errors?.[0]?.extensions?.code,
    overlap: (
      await ok<{ addSegments: { failed: { error: { type: string } }[] } }>(
        graphqlUrl,
        `mutation($id: ID!) { addSegments(flowId: $id, segments: [{ objectId: "${objects[0]!.objectId}", timerange: "[1:0_2:0)" }]) { failed { error { type } } } }`,
        { id: flowId },
      )
    ).addSegments.failed[0]?.error.type,
  };
  observed.deleted = await ok(graphqlUrl, `mutation($id: ID!) { deleteFlow(id: $id) { done } }`, {
    id: flowId,
  });
  observed.afterDelete = await ok(
    graphqlUrl,
    `query($id: ID!, $s: ID!) { flow(id: $id) { id } source(id: $s) { id } }`,
    { id: flowId, s: sourceId },
  );
  return JSON.parse(
    JSON.stringify(observed).replaceAll(flowId, '<flow>').replaceAll(sourceId, '<source>'),
  ) as unknown;
}
