import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestService } from '../test-support/rest-service.js';
import { openRestService } from '../test-support/rest-service.js';

/** `/`, `/service`, `/service/storage-backends` and `/service/webhooks` on a real embedded store. */

let rest: RestService;
beforeAll(async () => {
  rest = await openRestService();
});
afterAll(() => rest?.close());

type Json = Record<string, unknown>;

describe('the service routes', () => {
  it('GET / lists the 7.0 top-level paths', async () => {
    expect((await rest.send('GET', '/')).body).toEqual([
      'service',
      'flows',
      'sources',
      'flow-delete-requests',
    ]);
  });

  it('POST /service changes only the properties it gives (argument presence travels as variables)', async () => {
    const service = async () => (await rest.send<Json>('GET', '/service')).body;
    expect(await service()).toMatchObject({
      type: expect.stringMatching(/^urn:x-tams:service/) as string,
      api_version: '7.0',
    });
    expect((await rest.send('POST', '/service', { name: 'Store' })).status).toBe(200);
    expect((await rest.send('POST', '/service', { description: 'Studio store' })).status).toBe(200);
    expect((await rest.send('POST', '/service', {})).status).toBe(200);
    expect(await service()).toMatchObject({ name: 'Store', description: 'Studio store' });
    expect((await rest.send<Json>('POST', '/service', { name: 42 })).body).toMatchObject({
      type: 'BAD_REQUEST',
    });
    expect((await rest.send<Json>('POST', '/service', { version: '1' })).body).toMatchObject({
      type: 'BAD_REQUEST',
    });
  });

  it('GET /service/storage-backends shows the backends as TAMS JSON', async () => {
    const [backend] = (await rest.send<Json[]>('GET', '/service/storage-backends')).body;
    expect(backend).toMatchObject({ store_type: 'http_object_store', default_storage: true });
  });
});

describe('/service/webhooks', () => {
  it('registers (201), lists without the key value, and removes with no events (204)', async () => {
    const hook = {
      url: 'https://receiver.example/hook',
      api_key_name: 'x-key',
      api_key_value: 'secret',
      events: ['flows/created'],
      verbose_storage: true,
    };
    expect((await rest.send('POST', '/service/webhooks', hook)).status).toBe(201);
    const listed = (await rest.send<Json[]>('GET', '/service/webhooks')).body;
    expect(listed).toEqual([
      { url: hook.url, api_key_name: 'x-key', events: ['flows/created'], verbose_storage: true },
    ]);
    expect((await rest.send('POST', '/service/webhooks', { ...hook, events: [] })).status).toBe(204);
    expect((await rest.send('GET', '/service/webhooks')).body).toEqual([]);
  });

  it('refuses unknown properties (shape) and event types the domain does not know (its code)', async () => {
    const hook = { url: 'https://receiver.example/hook', events: ['flows/created'] };
    expect(
      (await rest.send<Json>('POST', '/service/webhooks', { ...hook, tag_filter: 'x' })).body,
    ).toMatchObject({ type: 'BAD_REQUEST' });
    expect(
      (await rest.send<Json>('POST', '/service/webhooks', { ...hook, events: ['nope'] })).body,
    ).toMatchObject({ type: 'UNSUPPORTED_WEBHOOK' });
  });
});
