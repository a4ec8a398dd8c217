import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from '../test-support/media-harness.js';
import { openMediaHarness } from '../test-support/media-harness.js';
import { addSeconds, createFlow, PUT_FLOW } from '../test-support/operations.js';
import type { RecordingLog } from './test-support/dispatcher-harness.js';
import {
  recordingLog,
  register,
  RETRY_WARNING,
  settled,
  startDispatcher,
} from './test-support/dispatcher-harness.js';
import { ALL_TYPES } from './test-support/tams-event-types.js';
import { WebhookReceiver } from './test-support/webhook-receiver.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import type { WebhookEnvelope } from './webhook-envelope.js';

let h: MediaHarness;
let receiver: WebhookReceiver;
let dispatcher: WebhookDispatcher;
let log: RecordingLog;

beforeAll(async () => {
  h = await openMediaHarness();
  receiver = await WebhookReceiver.start();
  log = recordingLog();
  dispatcher = startDispatcher(h, { log });
});
afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
  await h?.close();
});

describe('webhook filters (7.0, ADR0026)', () => {
  it('passes an event only when its type is wanted and every filter that is set passes', async () => {
    const [S1, S2, SC] = [randomUUID(), randomUUID(), randomUUID()];
    const F1 = await createFlow(h, { sourceId: S1 });
    const F2 = await createFlow(h, { sourceId: S2 });
    // C collects F1: F1's collected_by is [C], and S1's inferred collected_by is [SC].
    const C = randomUUID();
    await h.run(PUT_FLOW, {
      id: C,
      flow: { sourceId: SC, format: 'MULTI', flowCollection: [{ id: F1, role: 'video' }] },
    });
    const names = new Map([
      [F1, 'F1'],
      [F2, 'F2'],
      [S1, 'S1'],
      [S2, 'S2'],
    ]);

    const registrations: Record<string, Record<string, unknown>> = {
      types: { events: ['flows/updated'] },
      flowIds: { events: ALL_TYPES, flowIds: [F1] },
      sourceIds: { events: ALL_TYPES, sourceIds: [S2] },
      flowCollectedBy: { events: ALL_TYPES, flowCollectedByIds: [C] },
      sourceCollectedBy: { events: ALL_TYPES, sourceCollectedByIds: [SC] },
      flowAndSourceDisjoint: { events: ALL_TYPES, flowIds: [F1], sourceIds: [S2] },
      flowAndSource: { events: ALL_TYPES, flowIds: [F1], sourceIds: [S1] },
      sourceEventsIgnoreFlowFilters: { events: ['sources/updated'], flowIds: [F2], flowCollectedByIds: [C] },
      emptyList: { events: ALL_TYPES, flowIds: [] },
    };
    for (const [name, input] of Object.entries(registrations))
      await register(h, { url: receiver.url(`/${name}`), ...input });

    const label = (what: 'Flow' | 'Source', id: string, value: string) =>
      h.run(`mutation($id: ID!, $v: String) { set${what}Label(id: $id, label: $v) { id } }`, {
        id,
        v: value,
      });
    await label('Flow', F1, 'f1');
    await label('Flow', F2, 'f2');
    await label('Source', S1, 's1');
    await label('Source', S2, 's2');
    await addSeconds(h, F1, [0]);
    await addSeconds(h, F2, [0]);
    await h.run('mutation($id: ID!) { deleteSegments(flowId: $id) { done } }', { id: F1 });
    await settled(h);

    const describeEvent = (b: WebhookEnvelope) => {
      const e = b.event as { flow?: { id: string }; flow_id?: string; source?: { id: string } };
      const id = e.flow?.id ?? e.flow_id ?? e.source?.id ?? '?';
      return `${b.event_type} ${names.get(id) ?? id}`;
    };
    // Delivery is at-least-once (a receiver slower than the attempt timeout gets an event again), in
    // order per registration: compared as a receiver that de-duplicates sees them.
    const received = (name: string) => receiver.events(`/${name}`).map(describeEvent);

    expect(received('types')).toEqual(['flows/updated F1', 'flows/updated F2']);
    // Flow filters do not apply to source events, so those pass unless a source filter stops them.
    expect(received('flowIds')).toEqual([
      'flows/updated F1',
      'sources/updated S1',
      'sources/updated S2',
      'flows/segments_added F1',
      'flows/segments_deleted F1',
    ]);
    expect(received('sourceIds')).toEqual([
      'flows/updated F2',
      'sources/updated S2',
      'flows/segments_added F2',
    ]);
    // flows/updated carries collected_by; segment events look it up (F1 is still collected by C).
    expect(received('flowCollectedBy')).toEqual([
      'flows/updated F1',
      'sources/updated S1',
      'sources/updated S2',
      'flows/segments_added F1',
      'flows/segments_deleted F1',
    ]);
    // A flow event is checked against its source's collected_by; a source event against its own.
    expect(received('sourceCollectedBy')).toEqual([
      'flows/updated F1',
      'sources/updated S1',
      'flows/segments_added F1',
      'flows/segments_deleted F1',
    ]);
    // ANDed: F1's source is S1, so no flow event passes both; S2's source event passes (no flow filter).
    expect(received('flowAndSourceDisjoint')).toEqual(['sources/updated S2']);
    expect(received('flowAndSource')).toEqual([
      'flows/updated F1',
      'sources/updated S1',
      'flows/segments_added F1',
      'flows/segments_deleted F1',
    ]);
    expect(received('sourceEventsIgnoreFlowFilters')).toEqual(['sources/updated S1', 'sources/updated S2']);
    // A filter set to an empty list lets no flow or segment event through.
    expect(received('emptyList')).toEqual(['sources/updated S1', 'sources/updated S2']);
    // Nothing went wrong but, on a busy machine, perhaps an attempt that timed out and was retried.
    expect(log.entries.filter((e) => e.message !== RETRY_WARNING)).toEqual([]);
  });
});
