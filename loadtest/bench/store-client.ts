/**
 * The bench's own client of a store (undici, keep-alive): single requests for seeding and answer checks,
 * with the seeding plan of loadtest/k6/lib/scenarios.ts (the k6 scripts' setup() seeds the same way).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Answer } from '../k6/lib/scenarios.js';
import {
  ALLOCATION_CHUNK,
  allocatedObjects,
  flowBody,
  segmentBatch,
  segmentsPath,
  storagePath,
} from '../k6/lib/scenarios.js';

export class StoreClient {
  private readonly dispatcher = new Agent({ connections: 4, keepAliveTimeout: 60_000 });

  constructor(
    readonly base: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {}

  async send(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await request(`${this.base}${path}`, {
      method: method as 'GET',
      dispatcher: this.dispatcher,
      headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    const headers = res.headers;
    return {
      status: res.statusCode,
      body: text,
      header: (name) => {
        const value = headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  /** A request that must answer `status`, or the bench stops saying which. */
  async must(method: string, path: string, body: unknown, status: number): Promise<Answer> {
    const answer = await this.send(method, path, body);
    if (answer.status !== status)
      throw new Error(
        `${method} ${this.base}${path}: expected ${status}, got ${answer.status} ${answer.body.slice(0, 500)}`,
      );
    return answer;
  }

  async createFlow(label: string): Promise<string> {
    const id = randomUUID();
    await this.must('PUT', `/flows/${id}`, flowBody(id, randomUUID(), label), 201);
    return id;
  }

  /** Segments 0…n-1 of the flow, each on its own allocated object; returns the object ids. */
  async seedSegments(flowId: string, segments: number, progress?: (done: number) => void): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < segments; done += ALLOCATION_CHUNK) {
      const count = Math.min(ALLOCATION_CHUNK, segments - done);
      const allocation = await this.must('POST', storagePath(flowId), { limit: count }, 201);
      const objectIds = allocatedObjects(allocation).map((o) => o.objectId);
      await this.must('POST', segmentsPath(flowId), segmentBatch(objectIds, done), 201);
      ids.push(...objectIds);
      progress?.(done + count);
    }
    return ids;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
