/** Seeds the studio's flows (loadtest/k6/lib/scenarios.ts SEED) on a store, as the k6 scripts' setup() does. */
import { SEED } from '../k6/lib/scenarios.js';
import { StoreClient } from '../bench/store-client.js';
import type { Studio } from './workload.js';

export async function seedStudio(
  base: string,
  headers: Readonly<Record<string, string>>,
  flows: number = SEED.studioFlows,
): Promise<Studio> {
  const client = new StoreClient(base, headers);
  try {
    const ids: string[] = [];
    for (let i = 0; i < flows; i++) {
      const id = await client.createFlow(`stress camera ${i}`);
      await client.seedSegments(id, SEED.studioInitialSegments);
      ids.push(id);
    }
    return { flows: ids, next: new Map(ids.map((id) => [id, SEED.studioInitialSegments])) };
  } finally {
    await client.close();
  }
}
