import { expect, it } from 'vitest';
import type { ConformanceFamily } from '../family.js';

/** GET and HEAD / (DIGEST §1.1): the names of the top-level resources. */
export const rootFamily: ConformanceFamily = {
  name: 'root: /',
  define(context) {
    it('lists the top-level resources', async () => {
      const { get } = await context().client.expectHeadMatchesGet<string[]>('/');
      expect(get.body).toEqual(['service', 'flows', 'sources', 'flow-delete-requests']);
    });
  },
};
