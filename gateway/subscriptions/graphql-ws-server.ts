import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult, GraphQLError } from 'graphql';
import { GraphQLError as Refusal, OperationTypeNode } from 'graphql';
import type { ServerOptions, SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { EventFeed } from '../../lib/events/event-feed.js';
import type { Authenticator } from '../auth/authenticator.js';
import { AuthenticationError } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import type { Credentials } from '../auth/credentials.js';
import {
  credentialsOfConnectionParams,
  credentialsOfRequest,
  CredentialsError,
} from '../auth/credentials.js';
import type { ErrorCode } from '../error-codes.js';
import type { UpgradeRefusal } from '../http/server.js';
import { MAX_GRAPHQL_BODY_BYTES } from '../limits/index.js';
import { loneSurrogatePath } from '../http/strict-text.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { OperationPipeline, PreparedOperation } from '../operations/index.js';
import type { DerivedQuery } from './derived-query.js';
import { deriveQuery } from './derived-query.js';
import type { WsExtra } from './ws-adapter.js';
import { serveGraphQLWs } from './ws-adapter.js';
import { EventStream } from './event-stream.js';
import { LiveQuery } from './live-query.js';
import { SharedRuns } from './shared-runs.js';
import { framesThrough } from './direct-frames.js';
import type { GroupSpec, Member } from './state-groups.js';
import { StateGroups } from './state-groups.js';
import { upgradeGate } from './upgrade-gate.js';

export interface SubscriptionServerOptions {
  readonly server: Server;
  readonly path: string;
  /** The gateway's operation pipeline: every operation on the socket is prepared and run by it. */
  readonly pipeline: OperationPipeline;
  readonly authenticator: Authenticator;
  readonly feed: EventFeed;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Most operations one connection may have open at once. Default 100. */
  readonly maxOperationsPerConnection?: number;
  /** Admission control of upgrades (HttpServer.upgradeRefusal): a refusal is answered before the handshake. */
  readonly upgradeRefusal?: () => UpgradeRefusal | null;
}

/** What a connection proved at connection_init; the credentials are checked again before each event. */
interface ConnectionAuth {
  readonly credentials: Credentials;
  caller: Caller;
  operations: number;
}

type Extra = { auth?: ConnectionAuth };
type Hooks = ServerOptions<Record<string, unknown> | undefined, WsExtra<Extra>>;

/** One operation on a socket, from subscribe on (graphql-ws's contextValue). */
interface SocketOperation {
  readonly auth: ConnectionAuth;
  readonly prepared: PreparedOperation;
  readonly derived: DerivedQuery | null;
  readonly requestId: string;
  readonly close: (code: number, reason: string) => void;
  /** The operation's id on the socket, and the socket's send: subscriptions write their own frames. */
  readonly id: string;
  readonly send: (data: string) => Promise<void>;
  /** The socket itself: states of a group are written to it directly (state-groups.ts). */
  readonly socket: WebSocket;
}

/** WebSocket close reasons are at most 123 bytes. */
const reason = (text: string) =>
  Buffer.from(text)
    .subarray(0, 120)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');

const coded = (message: string, code: ErrorCode) => new Refusal(message, { extensions: { code } });

/**
 * graphql-ws on the gateway's HTTP server, at the GraphQL path. An upgrade is refused (503 + Retry-After)
 * before its handshake while the HTTP server's admission control refuses requests. Authentication happens once per
 * connection, at connection_init (the payload's `authorization` or `access_token`, else the upgrade
 * request's header or query parameter): failures close the socket with 4401 (4400 for credentials given
 * twice) before anything runs. Every operation then goes through the operation pipeline, as over HTTP:
 * prepared and admitted when the client subscribes (refusals are `error` messages with the same codes),
 * run with the credentials checked again, before every query or mutation and every subscription event (a
 * revoked token or removed user closes the socket with 4401 at once). Subscriptions follow the event
 * outbox and resolve their selection through the gateway, once per event for all subscribers with the
 * same document, variables and scopes (shared-runs.ts); identical unpaced state subscribers are served
 * as one group, one payload per state and one frame per socket (state-groups.ts).
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: MAX_GRAPHQL_BODY_BYTES,
    ...(options.upgradeRefusal ? { verifyClient: upgradeGate(options.upgradeRefusal) } : {}),
  });
  const disposable = serveGraphQLWs<Record<string, unknown> | undefined, Extra>(
    {
      // Connections that send no connection_init within this time are closed (4408).
      connectionInitWaitTimeout: 10_000,
      onConnect: connect(options),
      onSubscribe: prepare(options),
      // Refusals are formatted (and counted) by the pipeline, as it formats every result it runs.
      onError: (_ctx, _id, _payload, errors) => options.pipeline.refuse(errors, {}).result.errors,
      onNext: (_ctx, _id, _payload, _args, result) => result,
      execute: execute(options),
      subscribe: subscribe(options),
    },
    wss,
    options.log,
  );
  return {
    async close() {
      // Upgraded sockets are no longer the HTTP server's: close them, or its close() waits for them.
      await disposable.dispose();
    },
  };
}

/** connection_init: the caller, or the socket closed with why (4400, 4401; 1013 when a verifier is down). */
function connect({ authenticator, log }: SubscriptionServerOptions): NonNullable<Hooks['onConnect']> {
  const authenticate = async (params: Record<string, unknown> | undefined, request: IncomingMessage) => {
    const fromParams = credentialsOfConnectionParams(params);
    const credentials = fromParams.kind === 'none' ? credentialsOfRequest(request) : fromParams;
    return { credentials, caller: await authenticator.authenticate(credentials) };
  };
  return async (ctx) => {
    try {
      const { credentials, caller } = await authenticate(
        ctx.connectionParams ?? undefined,
        ctx.extra.request,
      );
      ctx.extra.auth = { credentials, caller, operations: 0 };
      return true;
    } catch (error) {
      const [code, message] =
        error instanceof CredentialsError
          ? [error.status === 400 ? 4400 : 4401, error.message]
          : error instanceof AuthenticationError
            ? [error.status === 401 ? 4401 : 1013, error.message]
            : [4500, 'internal error; the server log has the details'];
      if (code === 4500) log.error({ err: error }, 'authenticating a graphql-ws connection failed');
      ctx.extra.socket.close(code, reason(message));
      return false;
    }
  };
}

/** subscribe: what this socket refuses, then the pipeline's steps 1 to 4; the arguments to run it with. */
function prepare(options: SubscriptionServerOptions): NonNullable<Hooks['onSubscribe']> {
  const maxOperations = options.maxOperationsPerConnection ?? 100;
  const { pipeline } = options;
  return (ctx, id, payload) => {
    const auth = ctx.extra.auth;
    const refused = socketRefusal(auth, payload, maxOperations);
    if (refused || !auth) return [refused ?? coded('connection is not authenticated', 'UNAUTHENTICATED')];
    const variables = payload.variables ?? null;
    const preparation = pipeline.prepare(
      { document: payload.query, operationName: payload.operationName, variables },
      'graphql-ws',
    );
    if ('refusal' in preparation) return [...preparation.refusal];
    const { prepared } = preparation;
    const refusal = pipeline.admit(prepared, variables, auth.caller);
    if (refusal) return [refusal];
    let derived: DerivedQuery | null = null;
    if (prepared.operation.operation === OperationTypeNode.SUBSCRIPTION)
      try {
        derived = deriveQuery(pipeline.schema, prepared.document, prepared.operation, variables);
        pipeline.own(derived.document);
      } catch (error) {
        if (error instanceof Refusal) return [error];
        throw error;
      }
    const contextValue: SocketOperation = {
      auth,
      prepared,
      derived,
      requestId: randomUUID(),
      close: (code, text) => ctx.extra.socket.close(code, reason(text)),
      id,
      send: ctx.extra.send,
      socket: ctx.extra.socket,
    };
    const args: ExecutionArgs = {
      schema: pipeline.schema,
      document: prepared.document,
      operationName: payload.operationName ?? null,
      variableValues: variables,
      contextValue,
    };
    return args;
  };
}

/** What the socket itself refuses before any GraphQL work: too many operations, text that is not text. */
function socketRefusal(
  auth: ConnectionAuth | undefined,
  payload: SubscribePayload,
  maxOperations: number,
): GraphQLError | undefined {
  if (auth && auth.operations >= maxOperations)
    return coded(`at most ${maxOperations} operations may be open on one connection`, 'BAD_REQUEST');
  // ws refuses frames that are not UTF-8 (close 1007); JSON escapes can still make lone surrogates.
  const surrogate = loneSurrogatePath({ variables: payload.variables, extensions: payload.extensions });
  if (surrogate !== undefined)
    return coded(`${surrogate} holds a lone UTF-16 surrogate escape, which is not text`, 'BAD_REQUEST');
  return undefined;
}

/**
 * The connection's credentials checked again (before each operation and each event): the caller, or
 * null after closing the socket (4401; 1013 when a verifier is unreachable).
 */
async function reauthenticate(
  authenticator: Authenticator,
  operation: SocketOperation,
  shared?: SharedRuns<Caller>,
  seen?: bigint,
  current?: () => bigint,
): Promise<Caller | null> {
  const { credentials } = operation.auth;
  try {
    operation.auth.caller =
      shared && seen !== undefined
        ? await shared.run(credentialsKey(credentials), seen, current ?? seen, () =>
            authenticator.authenticate(credentials),
          )
        : await authenticator.authenticate(credentials);
    return operation.auth.caller;
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    operation.close(error.status === 401 ? 4401 : 1013, error.message);
    return null;
  }
}

/**
 * What identifies credentials for sharing one check (kept in memory only while the check runs).
 * Before an event, 1,000 subscribers with 10 tokens made 1,000 token lookups; shared, 10.
 * loadtest/fanout-bench.ts (SQLite, 1,000 subscribers over 4 flows, 10 tokens, interleaved runs): the
 * gateway's CPU per write fell from 41.7 / 41.8 ms to 17.9 / 16.7 ms, p99 from 1,265 / 1,112 ms to
 * 559 / 564 ms.
 */
function credentialsKey(credentials: Credentials): string {
  switch (credentials.kind) {
    case 'none':
      return 'none';
    case 'token':
      return `token\u0000${credentials.token}`;
    case 'basic':
      return `basic\u0000${credentials.user}\u0000${credentials.password}`;
  }
}

/** Queries and mutations sent over the socket: the rest of the pipeline, as over HTTP. */
function execute({ pipeline, authenticator }: SubscriptionServerOptions): NonNullable<Hooks['execute']> {
  return async (args) => {
    const operation = args.contextValue as SocketOperation;
    // As on HTTP, every operation is authenticated again: a revoked token stops at once.
    const caller = await reauthenticate(authenticator, operation);
    if (!caller)
      return formatted({ errors: [coded('the credentials are no longer valid', 'UNAUTHENTICATED')] });
    const outcome = await pipeline.runPrepared(operation.prepared, args.variableValues, {
      requestId: operation.requestId,
      caller,
    });
    return formatted(outcome.result);
  };
}

/**
 * The results sent are formatted by the pipeline already (`onNext` passes them on as they are); graphql-ws
 * types them as execution results.
 */
const formatted = (result: FormattedExecutionResult | ExecutionResult) => result as ExecutionResult;

/**
 * A result's JSON, computed once per result: subscribers sharing a run share the object, so the text
 * that tells an unchanged state from a new one is made once per run, not once per subscriber.
 */
const fingerprints = new WeakMap<FormattedExecutionResult, string>();
function fingerprint(result: FormattedExecutionResult): string {
  let text = fingerprints.get(result);
  if (text === undefined) {
    text = JSON.stringify(result);
    fingerprints.set(result, text);
  }
  return text;
}

/**
 * A subscription: its derived query run through the pipeline for the events that concern it, as states
 * (re-run per change, coalesced, paced for live views) or as events (run once per event, in order).
 */
function subscribe(options: SubscriptionServerOptions): NonNullable<Hooks['subscribe']> {
  const { pipeline, feed, log, metrics, authenticator } = options;
  const shared = new SharedRuns<FormattedExecutionResult>();
  // The credentials check before an event, shared by the subscribers with the same credentials woken
  // by it (the same rule as the results: only a check that started after the event was read).
  const checks = new SharedRuns<Caller>();
  const onError = (error: unknown) => log.error({ err: error }, 'resolving a subscription event failed');
  // Unpaced state subscriptions with the same credentials, document and variables, served as one.
  const groups = new StateGroups<ConnectionAuth>(feed, fingerprint, log);
  /** The feed's position when a run starts (at least the event's): what the run's result covers. */
  const current = (seen: bigint) => () => feed.currentPosition ?? seen;
  return async (args) => {
    const operation = args.contextValue as SocketOperation;
    const derived = operation.derived!;
    const { auth } = operation;
    const { field } = derived;
    // Results depend on the document, the variables it uses and the scopes (never the principal on
    // reads): the first two are fixed for the subscription, so only the scopes are added per event.
    const operationKey = JSON.stringify([derived.query, derived.variables]);
    const run = async (caller: Caller, key: string, seen: bigint, variables: Record<string, unknown>) =>
      shared.runCovering(
        `${[...caller.scopes].sort().join(' ')}\u0000${key}`,
        seen,
        current(seen),
        async () => {
          const request = {
            document: derived.document,
            operationName: derived.operationName ?? null,
            variables,
          };
          const outcome = await pipeline.run(request, { requestId: randomUUID(), caller }, 'graphql-ws');
          return outcome.result;
        },
      );
    if (field.kind === 'state' && !field.pacing) {
      const credentialsId = credentialsKey(auth.credentials);
      const spec = (): GroupSpec<ConnectionAuth> => ({
        concerns: (event) => field.concerns(event, derived.args),
        isFinal: (event) => field.isFinal(event),
        resolve: async (seen, group) => {
          let caller: Caller;
          try {
            caller = await checks.run(credentialsId, seen, current(seen), () =>
              authenticator.authenticate(auth.credentials),
            );
          } catch (error) {
            if (!(error instanceof AuthenticationError)) throw error;
            group.closeSockets(error.status === 401 ? 4401 : 1013, reason(error.message));
            return null;
          }
          for (const member of group.members) member.context.caller = caller;
          const { value, covers } = await run(caller, operationKey, seen, { ...derived.variables });
          return { result: value, covers };
        },
        onError,
      });
      auth.operations++;
      let member: Member<ConnectionAuth>;
      try {
        member = await groups.join(`${credentialsId}\u0000${operationKey}`, spec, {
          socket: operation.socket,
          id: operation.id,
          context: auth,
        });
      } catch (error) {
        auth.operations--;
        throw error;
      }
      // Active once the feed has positioned it (as below).
      metrics.subscriptions.inc();
      void member.done.then(() => {
        auth.operations--;
        metrics.subscriptions.dec();
      });
      return membership(member);
    }
    const live =
      field.kind === 'state'
        ? new LiveQuery(
            (event) => field.concerns(event, derived.args),
            (event) => field.isFinal(event),
            async (seen) => {
              const caller = await reauthenticate(authenticator, operation, checks, seen, current(seen));
              if (!caller) return null;
              const { value, covers } = await run(caller, operationKey, seen, { ...derived.variables });
              return { result: value, covers };
            },
            onError,
            fingerprint,
            field.pacing?.(derived.args),
          )
        : new EventStream(
            (event) => field.concerns(event, derived.args, auth.caller),
            async (position) => {
              const caller = await reauthenticate(
                authenticator,
                operation,
                checks,
                position,
                current(position),
              );
              if (!caller) return null;
              // One run per event and key: every subscriber woken by this event may join it.
              const key = `${operationKey}\u0000${position}`;
              const variables = { ...derived.variables, [derived.positionVariable!]: String(position) };
              return (await run(caller, key, position, variables)).value;
            },
            onError,
          );
    auth.operations++;
    let counted = true;
    let active = false;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      auth.operations--;
      if (active) metrics.subscriptions.dec();
    };
    try {
      const remove = await feed.listen(live.listener);
      // Active from the moment the feed has positioned it: every event committed from then on reaches
      // it. Counted earlier, a client (or a test) reading the gauge could write an event the
      // subscription never sees.
      metrics.subscriptions.inc();
      active = true;
      live.attach(() => {
        remove();
        uncount();
      });
    } catch (error) {
      uncount();
      throw error;
    }
    // The frames are written here, the result's JSON made once per shared result (direct-frames.ts).
    return framesThrough(live, operation.id, fingerprint, operation.send);
  };
}

/**
 * A group member as graphql-ws's iterator: it yields nothing (the group writes the frames) and ends
 * when the member does; `return()` (client `complete`, socket closed) ends the member.
 */
function membership(member: Member<ConnectionAuth>): AsyncIterableIterator<never> {
  const done = (): IteratorResult<never> => ({ value: undefined, done: true });
  return {
    next: () => member.done.then(done),
    return() {
      member.stop();
      return Promise.resolve(done());
    },
    throw(error?: unknown) {
      member.stop();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
