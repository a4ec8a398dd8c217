import { expect, it } from 'vitest';
import type { ConformanceFamily } from '../family.js';

/** /service/webhooks (DIGEST §9): registration identity, update, removal, write-only key value. */

interface Webhook {
  readonly url: string;
  readonly api_key_name?: string;
  readonly events: string[];
}

export const webhooksFamily: ConformanceFamily = {
  name: 'webhooks: /service/webhooks',
  define(context) {
    it('registers (201), updates by url and key (201), removes with no events (204), never shows the key', async () => {
      const { client } = context();
      const hook = {
        url: 'https://hooks.example/conformance',
        api_key_name: 'X-Api-Key',
        api_key_value: 'conformance-secret',
        events: ['flows/created'],
      };
      await client.post('/service/webhooks', { body: hook, expectStatus: 201 });
      await client.post('/service/webhooks', {
        body: {
          ...hook,
          events: ['flows/created', 'flows/deleted'],
          flow_ids: [],
          accept_get_urls: [],
          presigned: true,
          verbose_storage: false,
        },
        expectStatus: 201,
      });
      const { get } = await client.expectHeadMatchesGet<Webhook[]>('/service/webhooks');
      const mine = get.body.filter((w) => w.url === hook.url);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.events).toEqual(['flows/created', 'flows/deleted']);
      expect(get.text).not.toContain('conformance-secret');
      await client.post('/service/webhooks', { body: { ...hook, events: [] }, expectStatus: 204 });
      expect(
        (await client.get<Webhook[]>('/service/webhooks')).body.filter((w) => w.url === hook.url),
      ).toEqual([]);
    });

    it('refuses unknown event types, unsupported options and malformed bodies with 400', async () => {
      const { client } = context();
      const base = { url: 'https://hooks.example/bad', events: ['flows/created'] };
      for (const body of [
        { ...base, events: ['flows/exploded'] },
        { ...base, url: 'ftp://hooks.example/x' },
        { ...base, unknown_filter: ['x'] },
        { ...base, flow_ids: ['not-a-uuid'] },
        { url: base.url },
        { ...base, api_key_name: 'X-Key' },
      ])
        await client.post('/service/webhooks', { body, expectStatus: 400 });
      await client.post('/service/webhooks', { rawBody: '{', expectStatus: 400 });
    });
  },
};
