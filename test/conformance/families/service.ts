import { expect, it } from 'vitest';
import type { ConformanceFamily } from '../family.js';

/**
 * /service and /service/storage-backends (DIGEST §1.1, §7.2, §10). Every response is validated by the
 * client; the assertions here are about behaviour the schemas cannot see.
 */

interface Service {
  readonly type: string;
  readonly api_version: string;
  readonly name?: string;
  readonly description?: string;
}

interface StorageBackend {
  readonly id: string;
  readonly default_storage?: boolean;
}

export const serviceFamily: ConformanceFamily = {
  name: 'service: /service, /service/storage-backends',
  define(context) {
    it('GET and HEAD /service describe a TAMS 7.0 store', async () => {
      const { get } = await context().client.expectHeadMatchesGet<Service>('/service');
      expect(get.status).toBe(200);
      expect(get.body.api_version).toBe('7.0');
      expect(get.body.type).toMatch(/^urn:x-tams:service/);
    });

    it('POST /service sets name and description, and GET /service shows them', async () => {
      const { client } = context();
      const update = { name: 'conformance store', description: 'updated by the conformance suite' };
      await client.post('/service', { body: update, expectStatus: 200 });
      const after = await client.get<Service>('/service', { expectStatus: 200 });
      expect(after.body).toMatchObject(update);
    });

    it('POST /service refuses malformed JSON and bodies that break S:service-post.json with 400', async () => {
      const { client, spec } = context();
      const validate = spec.operation('POST', '/service')!.requestBody!.validate;
      for (const body of [{ name: 42 }, { description: ['not', 'a', 'string'] }, 'a string', []]) {
        // The request must really be invalid by the spec, or the 400 would be the store's invention.
        expect(validate(body), JSON.stringify(body)).toBe(false);
        await client.post('/service', { body, expectStatus: 400 });
      }
      await client.post('/service', { rawBody: '{"name": ', expectStatus: 400 });
    });

    it('GET and HEAD /service/storage-backends list the deployed backends, at most one the default', async () => {
      const { get } =
        await context().client.expectHeadMatchesGet<StorageBackend[]>('/service/storage-backends');
      expect(get.status).toBe(200);
      expect(get.body.length).toBeGreaterThan(0);
      expect(new Set(get.body.map((b) => b.id)).size).toBe(get.body.length);
      expect(get.body.filter((b) => b.default_storage === true).length).toBeLessThanOrEqual(1);
    });
  },
};
