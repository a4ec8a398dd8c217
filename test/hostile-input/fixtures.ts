import { randomUUID } from 'node:crypto';
import { eventually } from '../../lib/test-support/eventually.js';

/** Real resources for the hostile requests to aim at, so refusals are tested on existing things too. */
export interface Fixtures {
  /** Writable, with a label, a description, tags, a bit rate and two segments. */
  readonly flow: string;
  readonly readOnlyFlow: string;
  /** The source of both flows. */
  readonly source: string;
  /** A media object the flow's segments use. */
  readonly objectId: string;
  /** A finished delete request (of a third flow). */
  readonly deleteRequest: string;
  readonly webhookUrl: string;
  /** Every id above, so "unknown" UUIDs can avoid them. */
  readonly ids: readonly string[];
}

/** The tag every fixture flow has. */
export const FIXTURE_TAG = 'genre';

/**
 * Creates the fixtures through the REST API, the way a client would. `headers` go on every request
 * (authentication, once it exists). The store must delete synchronously at most one segment
 * (TAMS_SYNC_DELETE_LIMIT=1) so that deleting the third flow leaves a delete request behind.
 */
export async function createFixtures(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<Fixtures> {
  const call = async (method: string, path: string, body?: unknown, expected = [200, 201, 204]) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status))
      throw new Error(`fixture ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const source = randomUUID();
  const putFlow = (id: string, extra: object = {}) =>
    call('PUT', `/flows/${id}`, {
      id,
      source_id: source,
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: 'hostile-input fixture',
      description: 'a flow the hostile requests aim at',
      tags: { [FIXTURE_TAG]: 'news' },
      max_bit_rate: 8000,
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
      ...extra,
    });
  const addSegments = async (flowId: string) => {
    const { media_objects } = (await call('POST', `/flows/${flowId}/storage`, { limit: 2 })) as {
      media_objects: { object_id: string }[];
    };
    await call(
      'POST',
      `/flows/${flowId}/segments`,
      media_objects.map((o, i) => ({ object_id: o.object_id, timerange: `[${i * 10}:0_${(i + 1) * 10}:0)` })),
      [201],
    );
    return media_objects[0]!.object_id;
  };

  const flow = randomUUID();
  await putFlow(flow);
  const objectId = await addSegments(flow);
  await call('PUT', `/sources/${source}/label`, 'hostile-input source');
  await call('PUT', `/sources/${source}/tags/${FIXTURE_TAG}`, 'news');

  const readOnlyFlow = randomUUID();
  await putFlow(readOnlyFlow);
  await addSegments(readOnlyFlow);
  await call('PUT', `/flows/${readOnlyFlow}/read_only`, true);

  const doomed = randomUUID();
  await putFlow(doomed);
  await addSegments(doomed);
  const request = (await call('DELETE', `/flows/${doomed}`, undefined, [202])) as { id: string };
  // The background worker finishes it; the store must be still before the "before" dump.
  await eventually(async () => {
    const { status } = (await call('GET', `/flow-delete-requests/${request.id}`)) as { status: string };
    return status === 'done';
  }, `fixture delete request ${request.id} to finish`);

  const webhookUrl = 'https://hooks.example.com/tams/hostile-input';
  await call(
    'POST',
    '/service/webhooks',
    {
      url: webhookUrl,
      api_key_name: 'x-api-key',
      api_key_value: 'fixture-secret',
      events: ['flows/updated'],
      flow_ids: [flow],
    },
    [201],
  );
  await call('POST', '/service', {
    name: 'hostile-input',
    description: 'fixtures of the hostile input suite',
  });

  return {
    flow,
    readOnlyFlow,
    source,
    objectId,
    deleteRequest: request.id,
    webhookUrl,
    ids: [flow, readOnlyFlow, source, doomed, request.id, objectId],
  };
}
