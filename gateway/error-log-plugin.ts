import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { clientCode, INTERNAL_CODES } from './format-error.js';
import type { Logger } from './logger.js';

/**
 * The deepest error under `error`: GraphQL errors wrap what a resolver threw in `originalError` (the
 * gateway wraps a subgraph's error once more), and our errors keep theirs in `cause`, which the log's
 * error serializer follows itself. In distributed mode a subgraph's error arrives as plain JSON: the
 * cause is then in that subgraph's own log, under the same request id.
 */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let hops = 0; hops < 8; hops++) {
    const next = (current as { originalError?: unknown } | null)?.originalError;
    if (!(next instanceof Error)) break;
    current = next;
  }
  return current;
}

/**
 * Logs every failure of a GraphQL request that is ours, at error level, with the request id, the
 * operation and the cause, whatever the transport (HTTP, graphql-ws, the REST shim) and whatever part
 * failed (a resolver, the object store, the query planner, a subgraph). Clients only get "internal error"
 * (format-error.ts), so the log is the only place the cause appears; errors logged here are added to
 * `logged` so formatError does not log them twice. A dependency that is down (SERVICE_UNAVAILABLE, a
 * 503 the client is told to retry) is a warning.
 */
export function errorLogPlugin<TContext extends BaseContext>(
  log: Logger,
  logged: WeakSet<object>,
): ApolloServerPlugin<TContext> {
  const requestIdOf = (context: unknown) => (context as { requestId?: unknown } | null)?.requestId;
  return {
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const code = clientCode(error.extensions?.['code'], error);
            const details = {
              requestId: requestIdOf(contextValue),
              operationName,
              path: error.path,
              code,
              message: error.message,
              err: rootCause(error),
            };
            if (INTERNAL_CODES.has(code)) {
              logged.add(error);
              log.error(details, 'internal error in a GraphQL operation');
            } else if (code === 'SERVICE_UNAVAILABLE') {
              log.warn(details, 'a GraphQL operation found a dependency unavailable');
            }
          }
          return Promise.resolve();
        },
      });
    },
    unexpectedErrorProcessingRequest({ requestContext, error }) {
      log.error(
        { requestId: requestIdOf(requestContext.contextValue), err: error },
        'a GraphQL request failed outside its operation',
      );
      return Promise.resolve();
    },
  };
}
