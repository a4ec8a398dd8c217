import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from '../test-support/media-harness.js';
import { openMediaHarness } from '../test-support/media-harness.js';
import { ADD_SEGMENTS, allocate, createFlow, eventsSince, lastEventSeq } from '../test-support/operations.js';
import { register, settled, startDispatcher } from './test-support/dispatcher-harness.js';
import { specSuite } from '../../../test/tams-spec/suite.js';
import { schemaErrors, webhookSchemasForTests } from './test-support/tams-webhook-schemas.js';
import { ALL_TYPES } from './test-support/tams-event-types.js';
import { WebhookReceiver } from './test-support/webhook-receiver.js';
import type { WebhookEnvelope } from './webhook-envelope.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

const schemas = webhookSchemasForTests();

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`webhook delivery of every 7.0 event [${backend}]`, () => {
    let h: MediaHarness;
    let receiver: WebhookReceiver;
    let dispatcher: WebhookDispatcher;
    /** The bodies the first test received, one per event; the schema test judges them. */
    let delivered: WebhookEnvelope[] = [];

    beforeAll(async () => {
      h = await openMediaHarness({ backend });
      receiver = await WebhookReceiver.start();
    });
    afterAll(async () => {
      await dispatcher?.stop();
      await receiver?.close();
      await h?.close();
    });

    it('POSTs each event in the 7.0 envelope, with the api key header', async () => {
      // History before the registration is not delivered.
      const before = await createFlow(h);
      await register(h, {
        url: receiver.url(),
        apiKeyName: 'X-Api-Key',
        apiKeyValue: 'k3y-value',
        events: ALL_TYPES,
      });
      const from = await lastEventSeq(h);
      dispatcher = startDispatcher(h);

      const flowId = await createFlow(h, { label: 'first' });
      const sourceId = (
        await h.run<{ flow: { source: { id: string } } }>(
          'query($id: ID!) { flow(id: $id) { source { id } } }',
          {
            id: flowId,
          },
        )
      ).data!.flow.source.id;
      await h.run('mutation($id: ID!) { setFlowLabel(id: $id, label: "second") { id } }', { id: flowId });
      await h.run('mutation($id: ID!) { setSourceLabel(id: $id, label: "camera 1") { id } }', {
        id: sourceId,
      });
      const [objectId] = await allocate(h, flowId, 1);
      await h.run(ADD_SEGMENTS, {
        flowId,
        segments: [
          {
            objectId,
            timerange: '[0:0_1:0)',
            getUrls: [{ url: 'https://mirror.example/a.ts', label: 'mirror' }],
          },
          { objectId, timerange: '[1:0_2:0)', tsOffset: '0:0', sampleOffset: 25, sampleCount: 25 },
        ],
      });
      await h.run('mutation($id: ID!) { deleteSegments(flowId: $id, timerange: "[0:0_1:0)") { done } }', {
        id: flowId,
      });
      await h.run('mutation($id: ID!) { deleteFlow(id: $id) { done } }', { id: flowId });
      await settled(h);

      const outbox = (await eventsSince(h, from)).filter(
        (e) => (e.payload as { flow?: { id: string } }).flow?.id !== before,
      );
      // Every event, in outbox order, nothing from before the registration. At least once: on a busy
      // machine an attempt may time out after the receiver got it, and the event comes again.
      const bodies = receiver.events();
      expect(bodies.map((b) => b.event_type)).toEqual(outbox.map((e) => e.type));
      expect(new Set(bodies.map((b) => b.event_type))).toEqual(new Set(ALL_TYPES));
      expect(JSON.stringify(receiver.bodies())).not.toContain(before);

      for (const request of receiver.requests) {
        expect(request.headers['x-api-key']).toBe('k3y-value');
        expect(request.headers['content-type']).toBe('application/json');
      }
      for (const [i, body] of bodies.entries()) {
        expect(Object.keys(body).sort()).toEqual(['event', 'event_timestamp', 'event_type']);
        if (body.event_type !== 'flows/segments_added') expect(body.event).toEqual(outbox[i]!.payload);
      }
      delivered = bodies;

      const added = bodies.find((b) => b.event_type === 'flows/segments_added')!;
      const segments = added.event.segments as { object_id: string; get_urls?: { url: string }[] }[];
      // The controlled URL is added at delivery, before the registered uncontrolled one.
      expect(segments[0]!.get_urls!.map((u) => new URL(u.url).hostname)).toEqual([
        '127.0.0.1',
        'mirror.example',
      ]);
      expect(segments[1]!.get_urls).toHaveLength(1);
      const deleted = bodies.find((b) => b.event_type === 'flows/segments_deleted')!;
      expect(deleted.event).toEqual({ flow_id: flowId, timerange: '[0:0_1:0)' });
    });

    it('sends bodies valid against the 7.0 callback schemas', specSuite(schemas), () => {
      // What the test above received: one body of each type (it fails first if that is not so).
      expect(new Set(delivered.map((b) => b.event_type))).toEqual(new Set(ALL_TYPES));
      for (const body of delivered) {
        const validate = schemas!.get(body.event_type)!;
        if (body.event_type === 'flows/segments_deleted') {
          // 7.0 spec bug (DIGEST §12.1): the callback declares `event_type: const: flows/segments_added`.
          // We send the right type; the body is otherwise valid, and fails the schema only on that const.
          expect(validate(body)).toBe(false);
          expect(validate.errors?.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual([
            '/event_type const',
          ]);
          expect(validate.errors?.[0]?.params).toEqual({ allowedValue: 'flows/segments_added' });
          const asTheSpecSaysIt = { ...body, event_type: 'flows/segments_added' };
          expect(validate(asTheSpecSaysIt), schemaErrors(validate)).toBe(true);
        } else {
          expect(validate(body), `${body.event_type}: ${schemaErrors(validate)}`).toBe(true);
        }
      }
    });

    it('delivers nothing to a registration that was removed, and resumes one that is re-created at the head', async () => {
      const url = receiver.url('/removed');
      await register(h, { url, events: ['flows/created'] });
      await createFlow(h);
      await settled(h);
      await register(h, { url, events: [] });
      await createFlow(h);
      await settled(h);
      expect(receiver.events('/removed')).toHaveLength(1);
      expect((await h.executor.select({ table: 'webhook_deliveries', limit: 100 })).rows).toHaveLength(1);
      await register(h, { url, events: ['flows/created'] });
      const id = await createFlow(h);
      await settled(h);
      const received = receiver.events('/removed');
      expect(received).toHaveLength(2);
      expect((received[1]!.event.flow as { id: string }).id).toBe(id);
    });
  });
}
