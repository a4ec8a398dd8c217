/**
 * The acknowledged-write audit: after a run, every segment the store answered 201 for must be listed
 * by its flow, with the object and time range the client registered. Reads every flow in full, through
 * the public REST API (pages of 1000 following the paging key), after the run when nothing is down.
 */
import { readerPagePath } from '../k6/lib/scenarios.js';
import type { AcknowledgedWrite } from './recorder.js';

export interface AuditResult {
  readonly acknowledged: number;
  /** Acknowledged writes the store no longer lists (or lists with another time range). */
  readonly lost: readonly AcknowledgedWrite[];
}

export async function auditWrites(
  base: string,
  headers: Readonly<Record<string, string>>,
  acknowledged: readonly AcknowledgedWrite[],
): Promise<AuditResult> {
  const byFlow = new Map<string, AcknowledgedWrite[]>();
  for (const w of acknowledged) {
    let writes = byFlow.get(w.flowId);
    if (!writes) byFlow.set(w.flowId, (writes = []));
    writes.push(w);
  }
  const lost: AcknowledgedWrite[] = [];
  for (const [flowId, writes] of byFlow) {
    const stored = await listSegments(base, headers, flowId);
    for (const w of writes) if (stored.get(w.objectId) !== w.timerange) lost.push(w);
  }
  return { acknowledged: acknowledged.length, lost };
}

/** object id → time range of every segment of the flow. */
async function listSegments(
  base: string,
  headers: Readonly<Record<string, string>>,
  flowId: string,
): Promise<Map<string, string>> {
  const stored = new Map<string, string>();
  let pageKey: string | undefined;
  do {
    const path = readerPagePath(flowId, pageKey).replace('limit=100', 'limit=1000');
    const res = await fetch(`${base}${path}`, { headers });
    if (res.status !== 200) throw new Error(`audit: GET ${path} answered ${res.status}: ${await res.text()}`);
    for (const s of (await res.json()) as { object_id: string; timerange: string }[])
      stored.set(s.object_id, s.timerange);
    pageKey = res.headers.get('x-paging-nextkey') ?? undefined;
  } while (pageKey);
  return stored;
}
