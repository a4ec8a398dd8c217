import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';

let h: MediaHarness;
beforeAll(async () => {
  h = await openMediaHarness();
});
afterAll(async () => {
  await h.close();
});

describe('service', () => {
  const SERVICE =
    '{ service { type apiVersion serviceVersion name description eventStreamMechanisms { name } } }';

  it('describes itself as a TAMS 7.0 service and keeps its name and description', async () => {
    expect((await h.run(SERVICE)).data!.service).toEqual({
      type: 'urn:x-tams:service.tams-gateway',
      apiVersion: '7.0',
      serviceVersion: 'test',
      name: null,
      description: null,
      eventStreamMechanisms: [],
    });
    await h.run('mutation { setServiceInfo(name: "Studio store", description: "Channel 4") { name } }');
    await h.run('mutation { setServiceInfo(description: null) { name } }');
    expect((await h.run(SERVICE)).data!.service).toMatchObject({ name: 'Studio store', description: null });
  });

  it('lists the storage backend it was deployed with, as the default', async () => {
    const { data } = await h.run<{ storageBackends: unknown[] }>(
      '{ storageBackends { id storeType provider storeProduct label defaultStorage } }',
    );
    expect(data!.storageBackends).toEqual([
      expect.objectContaining({ storeType: 'http_object_store', label: 'local', defaultStorage: true }),
    ]);
  });
});

describe('webhooks', () => {
  const REGISTER = `mutation($input: WebhookInput!) { registerWebhook(input: $input) { status webhook { url apiKeyName events flowIds presigned } } }`;
  const LIST = '{ webhooks { url apiKeyName events } }';

  it('creates, updates (same url and key), removes (no events), and never returns the key value', async () => {
    const input = {
      url: 'https://hooks.example/tams',
      apiKeyName: 'X-Api-Key',
      apiKeyValue: 's3cret',
      events: ['flows/created'],
    };
    expect(
      (await h.run<{ registerWebhook: { status: string } }>(REGISTER, { input })).data!.registerWebhook
        .status,
    ).toBe('CREATED');
    const updated = await h.run<{ registerWebhook: unknown }>(REGISTER, {
      input: { ...input, events: ['flows/created', 'flows/deleted'], presigned: true },
    });
    expect(updated.data!.registerWebhook).toMatchObject({ status: 'UPDATED', webhook: { presigned: true } });
    // Another key value is another registration.
    await h.run(REGISTER, { input: { ...input, apiKeyValue: 'other' } });
    const list = await h.run<{ webhooks: unknown[] }>(LIST);
    expect(list.data!.webhooks).toHaveLength(2);
    expect(JSON.stringify(await h.executor.select({ table: 'webhooks', limit: 10 }))).toContain('s3cret');
    expect(JSON.stringify(list.data)).not.toContain('s3cret');
    // The schema has no field for it at all.
    const asked = await h.run('{ webhooks { apiKeyValue } }', {}, { allowErrors: true });
    expect(asked.errors?.[0]?.message).toMatch(/Cannot query field "apiKeyValue"/);
    expect(
      (await h.run<{ registerWebhook: { status: string } }>(REGISTER, { input: { ...input, events: [] } }))
        .data!.registerWebhook.status,
    ).toBe('REMOVED');
    expect((await h.run<{ webhooks: unknown[] }>(LIST)).data!.webhooks).toHaveLength(1);
  });

  it('refuses unknown event types, non-http targets and half an api key', async () => {
    const base = { url: 'https://hooks.example/x', events: ['flows/created'] };
    expect(await h.errorCode(REGISTER, { input: { ...base, events: ['flows/exploded'] } })).toBe(
      'UNSUPPORTED_WEBHOOK',
    );
    expect(await h.errorCode(REGISTER, { input: { ...base, url: 'ftp://hooks.example/x' } })).toBe(
      'BAD_REQUEST',
    );
    expect(await h.errorCode(REGISTER, { input: { ...base, url: 'not a url' } })).toBe('BAD_REQUEST');
    expect(await h.errorCode(REGISTER, { input: { ...base, apiKeyName: 'X-Key' } })).toBe('BAD_REQUEST');
    expect(await h.errorCode(REGISTER, { input: { ...base, flowIds: ['nope'] } })).toBe('INVALID_ID');
  });

  it('refuses api keys that cannot be sent as a header, which would fail every delivery', async () => {
    const base = { url: 'https://hooks.example/h', events: ['flows/created'] };
    for (const [apiKeyName, apiKeyValue] of [
      ['X Key', 'v'],
      ['X-Key\r\nInjected: 1', 'v'],
      ['', 'v'],
      ['Content-Length', 'v'],
      ['host', 'v'],
      ['X-Key', 'line\r\nInjected: 1'],
      ['X-Key', ' padded'],
      ['X-Key', 'tab\u0000nul'],
    ])
      expect(await h.errorCode(REGISTER, { input: { ...base, apiKeyName, apiKeyValue } }), apiKeyName).toBe(
        'BAD_REQUEST',
      );
    const ok = await h.run(REGISTER, {
      input: { ...base, apiKeyName: "X-Tams_Key.1!#$%&'*+^`|~", apiKeyValue: 'Bearer abc def=' },
    });
    expect(ok.data).toMatchObject({ registerWebhook: { status: 'CREATED' } });
  });
});
