/**
 * Readings of a replica's Prometheus `/metrics` for the replica suites: whether a metric is exported at
 * all (a later part of issue 12 adds it), and the sum of a counter over the series that match labels.
 */

export async function metricsText(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  return response.text();
}

/** Whether the text declares the metric (prom-client declares a labelled counter before any sample). */
export const declares = (text: string, name: string) => new RegExp(`^# TYPE ${name} `, 'm').test(text);

/** The sum of `name`'s samples whose labels include every one of `labels`. */
export function sumOf(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const set = m[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.split(',').includes(`${k}="${v}"`))) sum += Number(m[2]);
  }
  return sum;
}

/**
 * What `/health` says of Redis: the value of the first `redis` property in its body, at any depth, or
 * undefined when it says nothing of Redis (before the cache tier reported its state there).
 */
export async function redisHealth(url: string): Promise<unknown> {
  const response = await fetch(`${url}/health`);
  if (response.status !== 200) throw new Error(`GET ${url}/health answered ${response.status}`);
  const find = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return undefined;
    if ('redis' in value) return value.redis;
    for (const inner of Object.values(value)) {
      const found = find(inner);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return find(await response.json());
}
