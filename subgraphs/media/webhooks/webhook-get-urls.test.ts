import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from '../test-support/media-harness.js';
import { openMediaHarness } from '../test-support/media-harness.js';
import { ADD_SEGMENTS, allocate, createFlow } from '../test-support/operations.js';
import { register, settled, startDispatcher } from './test-support/dispatcher-harness.js';
import { specSuite } from '../../../test/tams-spec/suite.js';
import { schemaErrors, webhookSchemasForTests } from './test-support/tams-webhook-schemas.js';
import { WebhookReceiver } from './test-support/webhook-receiver.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

type GetUrl = Record<string, unknown> & { url: string };

let h: MediaHarness;
let receiver: WebhookReceiver;
let dispatcher: WebhookDispatcher;
const schemas = webhookSchemasForTests();

beforeAll(async () => {
  h = await openMediaHarness({ limits: { getUrlSeconds: 600 } });
  receiver = await WebhookReceiver.start();
  dispatcher = startDispatcher(h);
});
afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
  await h?.close();
});

describe('get_urls of flows/segments_added per registration (DIGEST §6.2, §9)', () => {
  it('adds the controlled URL, presigned at delivery, and applies each registration’s options', async () => {
    const { data } = await h.run<{ storageBackends: { id: string }[] }>('{ storageBackends { id } }');
    const backendId = data!.storageBackends[0]!.id;
    const options: Record<string, Record<string, unknown>> = {
      plain: {},
      verbose: { verboseStorage: true },
      labelMirror: { acceptGetUrls: ['mirror'] },
      noUrls: { acceptGetUrls: [] },
      storageId: { acceptStorageIds: [backendId], verboseStorage: true },
      presignedOnly: { presigned: true },
      unpresignedOnly: { presigned: false },
      andedToNothing: { acceptGetUrls: ['local'], presigned: false },
    };
    for (const [name, option] of Object.entries(options))
      await register(h, { url: receiver.url(`/${name}`), events: ['flows/segments_added'], ...option });

    const flowId = await createFlow(h);
    const objectId = (await allocate(h, flowId, 1))[0]!;
    const mirror = 'https://mirror.example/media/a.ts';
    const addedAt = Date.now();
    await h.run(ADD_SEGMENTS, {
      flowId,
      segments: [{ objectId, timerange: '[0:0_1:0)', getUrls: [{ url: mirror, label: 'mirror' }] }],
    });
    await settled(h);

    const requestOf = (name: string) => receiver.requests.find((r) => r.path.startsWith(`/${name}?`))!;
    const urlsOf = (name: string): GetUrl[] | undefined => {
      const [segment] = requestOf(name).body.event.segments as { object_id: string; get_urls?: GetUrl[] }[];
      expect(segment!.object_id).toBe(objectId);
      return segment!.get_urls;
    };

    const plain = urlsOf('plain')!;
    // Controlled first: this store's copy, presigned now for the store's GET URL lifetime.
    expect(plain).toEqual([
      { url: expect.stringContaining(objectId) as string, presigned: true, label: 'local' },
      { url: mirror, presigned: false, label: 'mirror' },
    ]);
    // Presigned at delivery, between the segments' registration and the receipt, for 600 s.
    const expires = Number(new URL(plain[0]!.url).searchParams.get('expires'));
    expect(expires).toBeGreaterThanOrEqual(Math.floor(addedAt / 1000) + 600);
    expect(expires).toBeLessThanOrEqual(Math.floor(requestOf('plain').receivedAt / 1000) + 600);

    expect(urlsOf('verbose')).toEqual([
      {
        url: expect.stringContaining(objectId) as string,
        presigned: true,
        label: 'local',
        controlled: true,
        storage_id: backendId,
        store_type: 'http_object_store',
        provider: 'tams-gateway',
        store_product: 'filesystem',
      },
      { url: mirror, presigned: false, label: 'mirror', controlled: false },
    ]);
    expect(urlsOf('labelMirror')).toEqual([{ url: mirror, presigned: false, label: 'mirror' }]);
    // `accept_get_urls: []` removes every URL: the property is omitted.
    expect(urlsOf('noUrls')).toBeUndefined();
    expect(urlsOf('storageId')!.map((u) => [u.storage_id, u.controlled])).toEqual([[backendId, true]]);
    expect(urlsOf('presignedOnly')!.map((u) => u.label)).toEqual(['local']);
    expect(urlsOf('unpresignedOnly')!.map((u) => u.label)).toEqual(['mirror']);
    expect(urlsOf('andedToNothing')).toBeUndefined();
  });

  it('sends each registration a body valid against the 7.0 callback schema', specSuite(schemas), () => {
    // What the test above received: flows/segments_added bodies for each of its 8 registrations.
    expect(new Set(receiver.requests.map((r) => r.path.split('?')[0])).size).toBe(8);
    const validate = schemas!.get('flows/segments_added')!;
    for (const { path, body } of receiver.requests)
      expect(validate(body), `${path}: ${schemaErrors(validate)}`).toBe(true);
  });
});
