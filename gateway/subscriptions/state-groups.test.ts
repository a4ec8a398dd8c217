import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FormattedExecutionResult } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Executor } from '../../lib/executor/index.js';
import { SqliteExecutor } from '../../lib/executor/index.js';
import { OutboxFeed } from '../../lib/events/outbox-feed.js';
import { writeEvents } from '../../lib/events/test-support/bus-harness.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { createLogger } from '../logger.js';
import type { Resolution } from './live-query.js';
import type { GroupSpec, Member, StateGroup } from './state-groups.js';
import { StateGroups } from './state-groups.js';
import type { Deferred } from './test-support/deferred.js';
import { deferred } from './test-support/deferred.js';

const FLOW = randomUUID();
const SOURCE = randomUUID();
const log = createLogger('silent');

/** The state groups on a real outbox feed (SQLite), writing to real sockets. */
describe('StateGroups', () => {
  let executor: Executor;
  let feed: OutboxFeed;
  let wss: WebSocketServer;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'tams-state-groups-'));
  const accepted: WebSocket[] = [];
  const opened: WebSocket[] = [];

  beforeAll(async () => {
    executor = await SqliteExecutor.open({ path: join(dir, 'db.sqlite3') });
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (socket) => accepted.push(socket));
    await new Promise((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const socket of opened.splice(0)) socket.close();
    await feed?.close();
  });
  afterAll(async () => {
    await new Promise((resolve) => wss.close(resolve));
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A client socket and its server side: what the server writes to, and the frames the client got. */
  async function socketPair() {
    const client = new WebSocket(url);
    opened.push(client);
    const frames: string[] = [];
    const closed: { code?: number } = {};
    client.on('message', (data: Buffer) => frames.push(data.toString()));
    client.on('close', (code) => (closed.code = code));
    const count = accepted.length;
    await new Promise((resolve) => client.once('open', resolve));
    await eventually(() => accepted.length > count, 'the server to accept the socket');
    return { server: accepted[accepted.length - 1]!, frames, closed };
  }

  /** Runs completed by hand: each resolve call waits on its deferred; `seen` is what it was run for. */
  function runs() {
    const started: { seen: bigint; run: Deferred<Resolution | null>; group: StateGroup<string> }[] = [];
    const spec = (): GroupSpec<string> => ({
      concerns: (event) => event.flowId === FLOW,
      isFinal: (event) => event.type === 'flows/deleted',
      resolve: (seen, group) => {
        const run = deferred<Resolution | null>();
        started.push({ seen, run, group });
        return run.promise;
      },
      onError: (error) => {
        throw error;
      },
    });
    /** Completes the run at `index` with state `n` (covering what it was run for). */
    const complete = (index: number, n: number) =>
      started[index]!.run.resolve({ result: { data: { n } }, covers: started[index]!.seen });
    return { started, spec, complete };
  }

  const json = (result: FormattedExecutionResult) => JSON.stringify(result);
  const frame = (id: string, n: number) => `{"id":"${id}","type":"next","payload":{"data":{"n":${n}}}}`;
  const write = async (type = 'flows/updated') => {
    await writeEvents(executor, { type, flowId: FLOW, sourceId: SOURCE });
    feed.wake();
  };

  function setup() {
    feed = new OutboxFeed(executor, { pollMs: 20 });
    const groups = new StateGroups<string>(feed, json, log);
    const { started, spec, complete } = runs();
    const join = async (id: string, key = 'k') => {
      const pair = await socketPair();
      const member: Member<string> = await groups.join(key, spec, {
        socket: pair.server,
        id,
        context: id,
      });
      return { ...pair, member };
    };
    return { groups, started, complete, join };
  }

  it('runs once per event for every member, and writes each its own id before the shared payload', async () => {
    const { groups, started, complete, join } = setup();
    const a = await join('a');
    const b = await join('b');
    expect(groups.size).toBe(1);
    expect(feed.listenerCount).toBe(1);
    await write();
    await eventually(() => started.length === 1, 'the run');
    complete(0, 1);
    await eventually(() => a.frames.length === 1 && b.frames.length === 1, 'both frames');
    expect(a.frames).toEqual([frame('a', 1)]);
    expect(b.frames).toEqual([frame('b', 1)]);
    expect(started).toHaveLength(1);
  });

  it('sends a member no state run for an event from before it joined, then the next one', async () => {
    const { started, complete, join } = setup();
    const a = await join('a');
    await write();
    await eventually(() => started.length === 1, 'the first run');
    const b = await join('b');
    complete(0, 1);
    await eventually(() => a.frames.length === 1, "a's first frame");
    await write();
    await eventually(() => started.length === 2, 'the second run');
    complete(1, 2);
    await eventually(() => a.frames.length === 2 && b.frames.length === 1, 'the second frames');
    expect(a.frames).toEqual([frame('a', 1), frame('a', 2)]);
    expect(b.frames).toEqual([frame('b', 2)]);
  });

  it('does not send a member the state it was sent last, but sends it to one that joined since', async () => {
    const { started, complete, join } = setup();
    const a = await join('a');
    await write();
    await eventually(() => started.length === 1, 'the first run');
    complete(0, 7);
    await eventually(() => a.frames.length === 1, "a's frame");
    const b = await join('b');
    await write();
    await eventually(() => started.length === 2, 'the second run');
    complete(1, 7);
    await eventually(() => b.frames.length === 1, "b's frame");
    // A third state, so that a's socket has certainly been written to since, had it been sent 7 again.
    await write();
    await eventually(() => started.length === 3, 'the third run');
    complete(2, 8);
    await eventually(() => a.frames.length === 2 && b.frames.length === 2, 'the third frames');
    expect(a.frames).toEqual([frame('a', 7), frame('a', 8)]);
    expect(b.frames).toEqual([frame('b', 7), frame('b', 8)]);
  });

  it('writes the final state, then ends every member, the group and its listener', async () => {
    const { groups, started, complete, join } = setup();
    const a = await join('a');
    const b = await join('b');
    await write('flows/deleted');
    await eventually(() => started.length === 1, 'the run');
    complete(0, 0);
    await Promise.all([a.member.done, b.member.done]);
    await eventually(() => a.frames.length === 1 && b.frames.length === 1, 'the final frames');
    expect(groups.size).toBe(0);
    expect(feed.listenerCount).toBe(0);
    // A new subscriber of the same key starts a group of its own.
    await join('c');
    expect(groups.size).toBe(1);
  });

  it('ends the group and stops listening when its last member leaves; members leave one by one', async () => {
    const { groups, join } = setup();
    const a = await join('a');
    const b = await join('b');
    const other = await join('o', 'other key');
    expect(groups.size).toBe(2);
    a.member.stop();
    expect(groups.size).toBe(2);
    b.member.stop();
    expect(groups.size).toBe(1);
    expect(feed.listenerCount).toBe(1);
    other.member.stop();
    expect(groups.size).toBe(0);
    expect(feed.listenerCount).toBe(0);
  });

  it("closes every member's socket when the resolution says the credentials are gone", async () => {
    const { started, join } = setup();
    const a = await join('a');
    const b = await join('b');
    await write();
    await eventually(() => started.length === 1, 'the run');
    started[0]!.group.closeSockets(4401, 'the credentials are no longer valid');
    started[0]!.run.resolve(null);
    await Promise.all([a.member.done, b.member.done]);
    await eventually(() => a.closed.code === 4401 && b.closed.code === 4401, 'both sockets closed');
    expect(a.frames).toEqual([]);
    expect(b.frames).toEqual([]);
  });
});
