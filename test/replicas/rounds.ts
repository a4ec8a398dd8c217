import type { FlowState, ReadKind, Target, WriteKind } from './store-client.js';
import {
  allocateObject,
  createFlow,
  ok,
  READ_KINDS,
  readAndCompare,
  write,
  WRITE_KINDS,
} from './store-client.js';

/**
 * Write-then-read rounds across replicas: each round writes one flow through one replica and, once the
 * write is acknowledged, reads it through another, and counts a read that shows anything older as
 * stale. The kinds rotate so that every flow meets every write kind (REST or GraphQL, label or segment)
 * and every read kind (REST flow, GraphQL flow with the analytics subgraph's count, REST segment window).
 * Each round's read also leaves the flow's current state in whatever cache the reader has, which the
 * next write of that flow must invalidate: exactly the entry a broken invalidation would serve.
 */

export interface Tally {
  rounds: number;
  /** Requests that did not succeed (transport error, unexpected status, GraphQL errors). */
  readonly failed: string[];
  /** Reads, after an acknowledged write, that showed an older state. */
  readonly stale: string[];
}

export const newTally = (): Tally => ({ rounds: 0, failed: [], stale: [] });

interface TrackedFlow {
  readonly id: string;
  readonly objectId: string;
  state: FlowState;
  /** A write failed: whether it took effect is unknown, so the flow is no longer checked. */
  unknown: boolean;
}

export class Workload {
  private constructor(readonly flows: TrackedFlow[]) {}

  /**
   * `count` flows created through `target`, each with one allocated object and its first segment, so
   * that every flow has a timerange from the start.
   */
  static async create(target: Target, count: number): Promise<Workload> {
    const flows: TrackedFlow[] = [];
    for (let i = 0; i < count; i++) {
      const label = `flow ${i} created`;
      const id = await ok(createFlow(target, label));
      const { objectId } = await ok(allocateObject(target, id));
      const state = await ok(write(target, 'rest segment', id, objectId, { label, segments: 0 }, label));
      flows.push({ id, objectId, state, unknown: false });
    }
    return new Workload(flows);
  }

  /**
   * Rounds `from` to `from + count - 1`, the reader and writer of each chosen by `pick`. Round i is flow
   * i mod n's round ⌊i/n⌋; each flow's rounds run in order, the flows' side by side (what one flow's
   * rounds check does not depend on the others', and the run takes a fraction of the time).
   */
  async run(
    from: number,
    count: number,
    pick: (round: number) => readonly [writer: Target, reader: Target],
    tally: Tally,
  ): Promise<void> {
    const n = this.flows.length;
    await Promise.all(
      this.flows.map(async (_, lane) => {
        const first = from + ((lane - (from % n) + n) % n);
        for (let i = first; i < from + count; i += n) await this.round(i, ...pick(i), tally);
      }),
    );
  }

  /** Round `i`: a write through `writer`, then a read of the same flow through `reader`. */
  private async round(i: number, writer: Target, reader: Target, tally: Tally): Promise<void> {
    const flow = this.flows[i % this.flows.length]!;
    if (flow.unknown) return;
    tally.rounds++;
    // The flow's own round number picks the kinds, so that every flow meets every combination.
    const j = Math.floor(i / this.flows.length);
    const writeKind: WriteKind = WRITE_KINDS[j % WRITE_KINDS.length]!;
    // A label write is read where labels show; a segment write anywhere, the segment window included.
    const readKinds = writeKind.endsWith('label') ? READ_KINDS.slice(0, 2) : READ_KINDS;
    const readKind: ReadKind = readKinds[Math.floor(j / WRITE_KINDS.length) % readKinds.length]!;
    const written = await write(writer, writeKind, flow.id, flow.objectId, flow.state, `round ${i}`);
    if (!written.ok) {
      tally.failed.push(`round ${i} (${writeKind} via ${writer.url}): ${written.what}`);
      flow.unknown = true;
      return;
    }
    flow.state = written.value;
    await this.check(reader, readKind, flow, `round ${i} (${writeKind} via ${writer.url})`, tally);
  }

  /** Reads every flow through `reader` in every read kind; counts as in a round. */
  async checkAll(reader: Target, tally: Tally, what: string): Promise<void> {
    for (const flow of this.flows)
      if (!flow.unknown) for (const kind of READ_KINDS) await this.check(reader, kind, flow, what, tally);
  }

  private async check(
    reader: Target,
    kind: ReadKind,
    flow: TrackedFlow,
    what: string,
    tally: Tally,
  ): Promise<void> {
    const read = await readAndCompare(reader, kind, flow.id, flow.state);
    if (!read.ok) tally.failed.push(`${what}, ${kind} read via ${reader.url}: ${read.what}`);
    else if (read.value.length)
      tally.stale.push(
        `${what}, ${kind} read via ${reader.url} of flow ${flow.id}: ${read.value.join('; ')}`,
      );
  }
}

/** The first few entries of a list, for a failure message that stays readable. */
export const firstOf = (list: readonly string[], n = 10) =>
  list.length > n ? [...list.slice(0, n), `... and ${list.length - n} more`] : [...list];
