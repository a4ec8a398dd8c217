import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import { getOperationAST, GraphQLError, OperationTypeNode, parse, specifiedRules, validate } from 'graphql';
import { WebSocketServer } from 'ws';
import type { OutboxFeed as OutboxTail } from '../../lib/events/outbox-feed.js';
import type { Authenticator } from '../auth/authenticator.js';
import { AuthenticationError } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import type { Credentials } from '../auth/credentials.js';
import {
  credentialsOfConnectionParams,
  credentialsOfRequest,
  CredentialsError,
} from '../auth/credentials.js';
import { missingScope } from '../auth/graphql-scope-plugin.js';
import {
  estimatedObjects,
  fragmentShapeError,
  gatewayValidationRules,
  MAX_GRAPHQL_BODY_BYTES,
  MAX_GRAPHQL_TOKENS,
  MAX_RESULT_OBJECTS,
  resultTooLarge,
} from '../limits/index.js';
import { loneSurrogatePath } from '../http/strict-text.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { DerivedQuery } from './derived-query.js';
import { deriveQuery } from './derived-query.js';
import { serveGraphQLWs } from './ws-adapter.js';
import { LiveQuery } from './live-query.js';
import { SharedRuns } from './shared-runs.js';

/** Runs one GraphQL request through the gateway for a caller (Apollo's pipeline: plugins, limits, scopes). */
export type RunOperation = (
  request: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
  caller: Caller,
  requestId: string,
) => Promise<ExecutionResult>;

export interface SubscriptionServerOptions {
  readonly server: Server;
  readonly path: string;
  /** The gateway's API schema (with the Subscription type), as last loaded. */
  readonly schema: () => GraphQLSchema;
  readonly run: RunOperation;
  readonly authenticator: Authenticator;
  readonly tail: OutboxTail;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Most operations one connection may have open at once. Default 100. */
  readonly maxOperationsPerConnection?: number;
}

/** What a connection proved at connection_init; the credentials are checked again before each event. */
interface ConnectionAuth {
  readonly credentials: Credentials;
  caller: Caller;
  operations: number;
}

type Extra = { auth?: ConnectionAuth };

/** What onSubscribe hands to subscribe/execute (graphql-ws's contextValue). */
interface OperationContext {
  readonly auth: ConnectionAuth;
  readonly query: string;
  readonly derived: DerivedQuery | null;
  readonly close: (code: number, reason: string) => void;
}

/** WebSocket close reasons are at most 123 bytes. */
const reason = (text: string) =>
  Buffer.from(text)
    .subarray(0, 120)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');

const coded = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/**
 * graphql-ws on the gateway's HTTP server, at the GraphQL path. Authentication happens once per
 * connection, at connection_init (the payload's `authorization` or `access_token`, else the upgrade
 * request's header or query parameter): failures close the socket with 4401 (4400 for credentials given
 * twice) before anything runs. Every operation is then validated with the HTTP endpoint's limits and
 * checked against the caller's scopes (GraphQL errors with codes, as over HTTP). The credentials are
 * checked again before every query or mutation and every subscription event (a revoked token or removed
 * user closes the socket with 4401 at once). Subscriptions follow the event outbox and resolve their
 * selection through the gateway, once per event for all subscribers with the same document, variables
 * and scopes (shared-runs.ts).
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): { close(): Promise<void> } {
  const { log, metrics, authenticator } = options;
  const maxOperations = options.maxOperationsPerConnection ?? 100;
  const shared = new SharedRuns<ExecutionResult>();
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: MAX_GRAPHQL_BODY_BYTES,
  });

  async function authenticate(params: Record<string, unknown> | undefined, request: IncomingMessage) {
    const fromParams = credentialsOfConnectionParams(params);
    const credentials = fromParams.kind === 'none' ? credentialsOfRequest(request) : fromParams;
    return { credentials, caller: await authenticator.authenticate(credentials) };
  }

  /**
   * The connection's credentials checked again (before each operation and each event): the caller, or
   * null after closing the socket (4401; 1013 when a verifier is unreachable).
   */
  async function reauthenticate(context: OperationContext): Promise<Caller | null> {
    try {
      context.auth.caller = await authenticator.authenticate(context.auth.credentials);
      return context.auth.caller;
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      context.close(error.status === 401 ? 4401 : 1013, error.message);
      return null;
    }
  }

  const disposable = serveGraphQLWs<Record<string, unknown> | undefined, Extra>(
    {
      // Connections that send no connection_init within this time are closed (4408).
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
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
      },
      onSubscribe(ctx, _id, payload) {
        const auth = ctx.extra.auth;
        if (!auth) return [coded('connection is not authenticated', 'UNAUTHENTICATED')];
        if (auth.operations >= maxOperations)
          return [coded(`at most ${maxOperations} operations may be open on one connection`, 'BAD_REQUEST')];
        // ws refuses frames that are not UTF-8 (close 1007); JSON escapes can still make lone surrogates.
        const surrogate = loneSurrogatePath({ variables: payload.variables, extensions: payload.extensions });
        if (surrogate !== undefined)
          return [
            coded(`${surrogate} holds a lone UTF-16 surrogate escape, which is not text`, 'BAD_REQUEST'),
          ];
        const schema = options.schema();
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: MAX_GRAPHQL_TOKENS });
        } catch (error) {
          return [
            coded(
              error instanceof GraphQLError ? error.message : 'the query does not parse',
              'GRAPHQL_PARSE_FAILED',
            ),
          ];
        }
        // Fragment bounds before validation: graphql-js's own rules cost more than linear time on
        // fragment chains (limits/fragments.ts); the same check as the HTTP endpoint's precheck.
        const shape = fragmentShapeError(document);
        if (shape) return [shape];
        const invalid = validate(schema, document, [...specifiedRules, ...gatewayValidationRules()]);
        if (invalid.length)
          return invalid.map(
            (e) =>
              new GraphQLError(e.message, {
                nodes: e.nodes ?? [],
                extensions: {
                  code:
                    typeof e.extensions['code'] === 'string'
                      ? e.extensions['code']
                      : 'GRAPHQL_VALIDATION_FAILED',
                },
              }),
          );
        const operation = getOperationAST(document, payload.operationName ?? undefined);
        if (!operation)
          return [
            coded(
              'the document names no operation to run (give operationName)',
              'OPERATION_RESOLUTION_FAILURE',
            ),
          ];
        const refusal = missingScope(document, operation, auth.caller);
        if (refusal) return [coded(refusal, 'FORBIDDEN')];
        if (
          operation.operation === OperationTypeNode.SUBSCRIPTION &&
          estimatedObjects(schema, document, operation, payload.variables, MAX_RESULT_OBJECTS + 1) >
            MAX_RESULT_OBJECTS
        )
          return [resultTooLarge(operation)];
        let derived: DerivedQuery | null = null;
        if (operation.operation === OperationTypeNode.SUBSCRIPTION)
          try {
            derived = deriveQuery(schema, document, operation, payload.variables);
          } catch (error) {
            if (error instanceof GraphQLError) return [error];
            throw error;
          }
        const contextValue: OperationContext = {
          auth,
          query: payload.query,
          derived,
          close: (code, text) => ctx.extra.socket.close(code, reason(text)),
        };
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue,
        };
        return args;
      },
      // Queries and mutations sent over the socket run through the gateway like HTTP requests.
      async execute(args) {
        const context = args.contextValue as OperationContext;
        // As on HTTP, every operation is authenticated again: a revoked token stops at once.
        const caller = await reauthenticate(context);
        if (!caller) return { errors: [coded('the credentials are no longer valid', 'UNAUTHENTICATED')] };
        return options.run(
          {
            query: context.query,
            variables: args.variableValues ?? null,
            operationName: args.operationName ?? null,
          },
          caller,
          randomUUID(),
        );
      },
      async subscribe(args) {
        const context = args.contextValue as OperationContext;
        const derived = context.derived!;
        const { auth } = context;
        const variables = (args.variableValues as Record<string, unknown> | null) ?? null;
        // Results depend on the document, the variables and the scopes (never the principal on reads):
        // the first two are fixed for the subscription, so only the scopes are added per event.
        const operationKey = JSON.stringify([derived.query, variables]);
        const live = new LiveQuery(
          (event) => derived.field.concerns(event, derived.id),
          (event) => derived.field.isFinal(event),
          async (seen) => {
            const caller = await reauthenticate(context);
            if (!caller) return null;
            const key = `${[...caller.scopes].sort().join(' ')}\u0000${operationKey}`;
            return shared.run(key, seen, options.tail.currentPosition ?? seen, () =>
              options.run(
                { query: derived.query, variables, operationName: derived.operationName ?? null },
                caller,
                randomUUID(),
              ),
            );
          },
          (error) => log.error({ err: error }, 'resolving a subscription event failed'),
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
          const remove = await options.tail.listen(live.listener);
          // Active from the moment the tail has positioned it: every event committed from then on reaches
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
        return live;
      },
    },
    wss,
    log,
  );

  return {
    async close() {
      // Upgraded sockets are no longer the HTTP server's: close them, or its close() waits for them.
      await disposable.dispose();
    },
  };
}
