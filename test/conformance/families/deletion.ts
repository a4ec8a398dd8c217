import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { eventually } from '../../../lib/test-support/eventually.js';
import type { ConformanceClient } from '../conformance-client.js';
import type { ConformanceFamily } from '../family.js';
import { p } from '../path-matching.js';
import { addSeconds, createVideoFlowId } from './fixtures.js';

/**
 * Deletions that outgrow the synchronous limit (the conformance store sets it to 5 segments): 202 with
 * `Location` and a deletion request (DIGEST §6.3, §8), and /flow-delete-requests.
 */

interface DeletionRequest {
  readonly id: string;
  readonly flow_id: string;
  readonly delete_flow: boolean;
  readonly status: string;
  readonly timerange_to_delete: string;
}

async function waitUntilDone(client: ConformanceClient, id: string) {
  let request: DeletionRequest | undefined;
  await eventually(async () => {
    request = (await client.get<DeletionRequest>(p`/flow-delete-requests/${id}`, { expectStatus: 200 })).body;
    return request.status === 'done';
  }, `delete request ${id} to finish`);
  return request!;
}

export const deletionFamily: ConformanceFamily = {
  name: 'deletion: 202 deletions, /flow-delete-requests',
  define(context) {
    it('DELETE of many segments answers 202, Location and a request that completes', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      await addSeconds(
        client,
        flow,
        Array.from({ length: 9 }, (_, i) => i),
      );
      const r = await client.delete<DeletionRequest>(p`/flows/${flow}/segments`, {
        query: { timerange: '[1:0_' },
        expectStatus: 202,
      });
      expect(r.headers.get('location')).toBe(`/flow-delete-requests/${r.body.id}`);
      expect(r.body).toMatchObject({ flow_id: flow, delete_flow: false, timerange_to_delete: '[1:0_' });
      await waitUntilDone(client, r.body.id);
      const left = await client.get<{ timerange: string }[]>(p`/flows/${flow}/segments`);
      expect(left.body.map((s) => s.timerange)).toEqual(['[0:0_1:0)']);
    });

    it('DELETE of a large flow answers 202; the flow is gone at once, its request visible until it expires', async () => {
      const { client } = context();
      const flow = await createVideoFlowId(client);
      await addSeconds(
        client,
        flow,
        Array.from({ length: 8 }, (_, i) => i),
      );
      const r = await client.delete<DeletionRequest>(p`/flows/${flow}`, { expectStatus: 202 });
      expect(r.body).toMatchObject({ flow_id: flow, delete_flow: true });
      await client.get(p`/flows/${flow}`, { expectStatus: 404 });
      const { get } = await client.expectHeadMatchesGet<DeletionRequest>(
        p`/flow-delete-requests/${r.body.id}`,
      );
      expect(get.body.id).toBe(r.body.id);
      const list = await client.expectHeadMatchesGet<DeletionRequest[]>('/flow-delete-requests');
      expect(list.get.body.map((d) => d.id)).toContain(r.body.id);
      await waitUntilDone(client, r.body.id);
    });

    it('answers 404 for unknown and malformed request ids', async () => {
      const { client } = context();
      await client.get(p`/flow-delete-requests/${randomUUID()}`, { expectStatus: 404 });
      await client.expectHeadMatchesGet(p`/flow-delete-requests/${'not-an-id'}`, { expectStatus: 404 });
    });
  },
};
