import type { FormattedExecutionResult } from 'graphql';
import type { EventFeed, FeedEvent } from '../../lib/events/event-feed.js';
import type { Logger } from '../logger.js';
import { nextFrame, nextFramePrefix, nextFrameTail } from './direct-frames.js';
import type { Resolution } from './live-query.js';
import { LiveQuery } from './live-query.js';

/** What a group writes to: a `ws` WebSocket (only what the group uses of it). */
export interface FrameSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: Buffer, options: { binary: boolean }, cb: (err?: Error) => void): void;
  close(code: number, reason: string): void;
}

/** How a group's states are made: the subscription field's rules and the shared resolution. */
export interface GroupSpec<C> {
  readonly concerns: (event: FeedEvent) => boolean;
  readonly isFinal: (event: FeedEvent) => boolean;
  /**
   * One run for the whole group, for a state that includes the event at `seen` (the credentials check
   * included); null when the credentials no longer hold (it closes the members' sockets first).
   */
  readonly resolve: (seen: bigint, group: StateGroup<C>) => Promise<Resolution | null>;
  readonly onError: (error: unknown) => void;
}

const TEXT = { binary: false } as const;

/**
 * Subscribers of a state field (unpaced: `flowUpdated`, `sourceUpdated`) with the same credentials,
 * document and variables, served as one: one feed listener, one `LiveQuery` (its run shared further
 * with other groups of the same scopes by `SharedRuns`), one credentials check and one JSON text per
 * state, and per subscriber only the frame (its id spliced before the shared payload bytes) written to
 * its socket, synchronously, in one loop.
 *
 * Per subscriber, what a subscription of its own guaranteed still holds:
 * - it gets a state only for events after it joined (a state from a run triggered by an earlier event
 *   is not its to get, as a subscription of its own would not have run for it);
 * - a state equal to the last one it was sent is not sent again (each member has its own last state, so
 *   one that joined late still gets the first change it sees);
 * - one frame in flight per subscriber: a newer state replaces one waiting behind a slow socket, so a
 *   slow client costs one frame and never holds back the others (states, not deltas);
 * - the final state (the entity deleted) is written before the subscription completes.
 * Before: one `LiveQuery`, feed listener, credentials-check wait, run wait and frame pump per
 * subscriber, about ten promises per delivery (docs/performance.md, subscription fan-out).
 */
export class StateGroups<C> {
  private readonly groups = new Map<string, StateGroup<C>>();

  constructor(
    private readonly feed: EventFeed,
    private readonly json: (result: FormattedExecutionResult) => string,
    private readonly log: Logger,
  ) {}

  /** Groups open now (for tests). */
  get size(): number {
    return this.groups.size;
  }

  /**
   * Adds a subscriber to the group of `key` (started with `spec` when there is none); resolves once it
   * follows the feed, to the member (`done` resolves when its subscription ends).
   */
  async join(
    key: string,
    spec: () => GroupSpec<C>,
    subscriber: { readonly socket: FrameSocket; readonly id: string; readonly context: C },
  ): Promise<Member<C>> {
    let group = this.groups.get(key);
    if (!group || group.ended) {
      const started = new StateGroup<C>(spec(), this.json, this.log, () => {
        if (this.groups.get(key) === started) this.groups.delete(key);
      });
      this.groups.set(key, started);
      started.start(this.feed);
      group = started;
    }
    const member = new Member<C>(subscriber.socket, subscriber.id, subscriber.context, this.log);
    group.add(member);
    try {
      await group.ready;
    } catch (error) {
      group.leave(member);
      throw error;
    }
    // Events up to the feed's position now were handed out before: they are not this member's.
    member.joinedAt = this.feed.currentPosition ?? -1n;
    member.active = true;
    return member;
  }
}

/** One group: its members, its LiveQuery and the pump that fans each state out. */
export class StateGroup<C> {
  readonly members = new Set<Member<C>>();
  ended = false;
  ready: Promise<void> = Promise.resolve();
  private readonly live: LiveQuery;
  /** The event each result was run for (a result object is made per run). */
  private readonly seenOf = new WeakMap<FormattedExecutionResult, bigint>();

  constructor(
    spec: GroupSpec<C>,
    private readonly json: (result: FormattedExecutionResult) => string,
    private readonly log: Logger,
    private readonly forget: () => void,
  ) {
    // No fingerprint here: each member tells an unchanged state by the last one it was sent itself.
    this.live = new LiveQuery(
      spec.concerns,
      spec.isFinal,
      async (seen) => {
        const resolved = await spec.resolve(seen, this);
        if (resolved) this.seenOf.set(resolved.result, seen);
        return resolved;
      },
      spec.onError,
    );
  }

  start(feed: EventFeed): void {
    this.ready = feed.listen(this.live.listener).then((remove) => this.live.attach(remove));
    // A failure of our own while writing ends the group (its members complete) rather than the process.
    this.pump().catch((error: unknown) => {
      this.log.error({ err: error }, 'fanning a subscription state out failed');
      this.end();
    });
  }

  add(member: Member<C>): void {
    this.members.add(member);
    member.onStop = () => this.leave(member);
  }

  /** A member's subscription ended (by its client, or its socket failed): the last one ends the group. */
  leave(member: Member<C>): void {
    member.stop();
    if (!this.members.delete(member) || this.members.size > 0 || this.ended) return;
    this.end();
  }

  /** Closes every member's socket (the credentials no longer hold). */
  closeSockets(code: number, reason: string): void {
    for (const member of this.members) member.socket.close(code, reason);
  }

  private async pump(): Promise<void> {
    for (;;) {
      const next = await this.live.next();
      if (next.done) break;
      this.fanOut(next.value);
    }
    this.end();
  }

  /** One state to every member that should have it: one payload, one frame per member. */
  private fanOut(result: FormattedExecutionResult): void {
    // INTERNAL (a failed run) carries no event: every member is told.
    const seen = this.seenOf.get(result);
    const print = this.json(result);
    let tail: Buffer | undefined;
    for (const member of this.members) {
      if (!member.active || (seen !== undefined && seen <= member.joinedAt) || member.lastPrint === print)
        continue;
      member.lastPrint = print;
      tail ??= nextFrameTail(result, this.json);
      member.offer(tail);
    }
  }

  /** No more states: members complete once their frames are written. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.forget();
    void this.live.return();
    for (const member of this.members) member.finish();
    this.members.clear();
  }
}

/** One subscription in a group: its socket, its frame prefix, its last state and its frame in flight. */
export class Member<C> {
  /** The feed position when it joined; only states run for later events are its. */
  joinedAt = -1n;
  /** Joined and positioned: states may be sent. */
  active = false;
  lastPrint: string | undefined;
  readonly done: Promise<void>;
  private readonly prefix: Buffer;
  private inFlight = false;
  private waiting: Buffer | null = null;
  private finishing = false;
  private stopped = false;
  private resolveDone!: () => void;
  /** Set by the group: removes it. */
  onStop: () => void = () => {};

  constructor(
    readonly socket: FrameSocket,
    readonly id: string,
    readonly context: C,
    private readonly log: Logger,
  ) {
    this.prefix = nextFramePrefix(id);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** A state's shared tail: written now, or after the frame in flight (replacing one waiting). */
  offer(tail: Buffer): void {
    if (this.stopped || this.finishing) return;
    if (this.inFlight) this.waiting = tail;
    else this.write(tail);
  }

  private write(tail: Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.inFlight = true;
    this.socket.send(nextFrame(this.prefix, tail), TEXT, this.written);
  }

  /** The socket took the frame (or failed: the peer went away; graphql-ws ends the subscription). */
  private readonly written = (err?: Error): void => {
    this.inFlight = false;
    if (err) {
      this.log.debug({ route: 'graphql-ws', reason: err.message }, 'a graphql-ws client went away mid-send');
      this.waiting = null;
      return this.stop();
    }
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting && !this.stopped) this.write(waiting);
    if (!this.inFlight && this.finishing) this.stop();
  };

  /** Completes once the frames already offered are written (graphql-ws then sends `complete`). */
  finish(): void {
    this.finishing = true;
    if (!this.inFlight && !this.waiting) this.stop();
  }

  /** Ends at once: nothing more is written; the group forgets it (`onStop`). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.waiting = null;
    this.resolveDone();
    this.onStop();
  }
}
