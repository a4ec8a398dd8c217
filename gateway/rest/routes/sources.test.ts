import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestService } from '../test-support/rest-service.js';
import { openRestService } from '../test-support/rest-service.js';

/** /sources and its sub-resources on a real embedded store. */

let rest: RestService;
beforeAll(async () => {
  rest = await openRestService();
});
afterAll(() => rest?.close());

type Json = Record<string, unknown>;

/** A source, created with a flow as 7.0 creates them. */
async function createSource(label?: string): Promise<string> {
  const id = randomUUID();
  await rest.createFlow({ source_id: id, ...(label ? { label } : {}) });
  return id;
}

describe('GET /sources and /sources/{sourceId}', () => {
  it('lists sources as TAMS JSON, filtered and paged, and shows one', async () => {
    const id = await createSource();
    const label = `source-${randomUUID()}`;
    expect((await rest.send('PUT', `/sources/${id}/label`, label)).status).toBe(204);
    const list = await rest.send<Json[]>('GET', `/sources?label=${label}&format=urn:x-nmos:format:video`);
    expect(list.body).toEqual([(await rest.send<Json>('GET', `/sources/${id}`)).body]);
    expect(list.body[0]).toMatchObject({ id, format: 'urn:x-nmos:format:video', label });
    expect(list.body[0]).not.toHaveProperty('tags');
    expect(list.headers['x-paging-limit']).toBe('100');
    expect(
      (await rest.send<Json[]>('GET', `/sources?label=${label}&format=urn:x-nmos:format:audio`)).body,
    ).toEqual([]);
  });

  it('answers 404 for unknown and malformed ids, 400 for bad query values', async () => {
    expect((await rest.send<Json>('GET', `/sources/${randomUUID()}`)).body).toMatchObject({
      type: 'NOT_FOUND',
    });
    expect((await rest.send('GET', '/sources/nope')).status).toBe(404);
    expect((await rest.send<Json>('GET', '/sources?limit=0')).body).toMatchObject({ type: 'BAD_REQUEST' });
    expect((await rest.send<Json>('GET', '/sources?tag_exists.a=maybe')).body).toMatchObject({
      type: 'BAD_REQUEST',
    });
  });
});

describe('source properties', () => {
  it('label and description: 404 while unset, PUT, GET, DELETE', async () => {
    const id = await createSource();
    for (const property of ['label', 'description']) {
      expect((await rest.send('GET', `/sources/${id}/${property}`)).status).toBe(404);
      expect((await rest.send('PUT', `/sources/${id}/${property}`, 'Camera 1')).status).toBe(204);
      expect((await rest.send('GET', `/sources/${id}/${property}`)).body).toBe('Camera 1');
      expect((await rest.send('DELETE', `/sources/${id}/${property}`)).status).toBe(204);
      expect((await rest.send('GET', `/sources/${id}/${property}`)).status).toBe(404);
    }
    expect((await rest.send('PUT', `/sources/${randomUUID()}/label`, 'x')).status).toBe(404);
  });

  it('tags: {} when none, set and read by name, removed; the domain judges names', async () => {
    const id = await createSource();
    expect((await rest.send('GET', `/sources/${id}/tags`)).body).toEqual({});
    expect((await rest.send('PUT', `/sources/${id}/tags/genre`, 'news')).status).toBe(204);
    expect((await rest.send('GET', `/sources/${id}/tags/genre`)).body).toBe('news');
    expect((await rest.send('GET', `/sources/${id}/tags`)).body).toEqual({ genre: 'news' });
    expect((await rest.send<Json>('GET', `/sources/${id}/tags/other`)).body).toMatchObject({
      type: 'NOT_FOUND',
    });
    expect((await rest.send<Json>('PUT', `/sources/${id}/tags/genre`, ['a'])).body).toMatchObject({
      type: 'BAD_REQUEST',
    });
    expect((await rest.send('DELETE', `/sources/${id}/tags/genre`)).status).toBe(204);
    expect((await rest.send('GET', `/sources/${id}/tags`)).body).toEqual({});
  });
});
