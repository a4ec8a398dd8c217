/** The ingest journey's steps, shared by ingest.ts and the live studio's recorders. */
import http from 'k6/http';
import { CHECKS, segmentBatch, segmentPayload, segmentsPath } from './scenarios.ts';
import { allocate, checkAnswer, postJson } from './tams.ts';

/**
 * Allocates `count` objects for the flow, uploads each to its put_url (signed: no credentials), and
 * registers them as segments `first`…`first + count - 1`. Null when a step failed (its checks say which),
 * else when the registration was sent (ms since the epoch: where a write → update latency starts).
 */
export function ingestSegments(flowId: string, first: number, count: number, base = 0): number | null {
  const objects = allocate(flowId, count, { step: 'allocate' });
  if (objects.length !== count) return null;
  for (const [i, o] of objects.entries()) {
    const res = http.put(o.putUrl, segmentPayload(first + i), {
      headers: { 'content-type': o.contentType },
      tags: { step: 'upload', name: 'PUT {put_url}' },
    });
    if (!checkAnswer(res, CHECKS.upload)) return null;
  }
  const sentAt = Date.now();
  const res = postJson(
    segmentsPath(flowId),
    segmentBatch(
      objects.map((o) => o.objectId),
      first,
      base,
    ),
    { step: 'register' },
  );
  return checkAnswer(res, CHECKS.registration) ? sentAt : null;
}
