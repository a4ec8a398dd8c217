import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { PARSE_OPTIONS, queryHash } from './document-cache.js';
import type { OperationContext } from './execution.js';
import type { PersistedQueryStore } from './persisted-queries.js';
import type { OperationPipeline } from './pipeline.js';

/**
 * Apollo Server as the GraphQL-over-HTTP adapter of a pipeline: it keeps what the protocol needs (POST
 * and GET, content negotiation, CSRF prevention, the landing page, automatic persisted queries, batch
 * refusal, 405 for a GET mutation) and hands every operation to the pipeline, which validates, admits,
 * executes and formats it (`responseForOperation`). Apollo parses the text itself (its request pipeline
 * cannot be handed a document), through the pipeline's document cache and parse options; its own
 * validation is off, the pipeline's applies.
 */
export function apolloAdapter(
  pipeline: OperationPipeline,
  options: {
    readonly log: Logger;
    readonly metrics: Metrics;
    /** Where automatic persisted queries are kept (persisted-queries.ts); default: Apollo's, in process. */
    readonly persistedQueries?: PersistedQueryStore;
  },
): ApolloServer<OperationContext> {
  return new ApolloServer<OperationContext>({
    schema: pipeline.schema,
    ...(options.persistedQueries ? { persistedQueries: { cache: options.persistedQueries } } : {}),
    dangerouslyDisableValidation: true,
    documentStore: pipeline.documents.asDocumentStore(),
    parseOptions: PARSE_OPTIONS,
    includeStacktraceInErrorResponses: false,
    // Errors Apollo raises itself (a syntax error, a bad request): formatted as the pipeline formats.
    formatError: (_formatted, error) => pipeline.errors.format([error]).errors[0]!,
    logger: options.log,
    // Apollo's own SIGINT/SIGTERM handlers stop the server at once and then re-raise the signal, killing
    // the process before the HTTP drain has answered what is in flight. The process composes its
    // shutdown itself (gateway/service.ts).
    stopOnTerminationSignals: false,
    plugins: [pipelinePlugin(pipeline, options)],
  });
}

function pipelinePlugin(
  pipeline: OperationPipeline,
  { log, metrics }: { readonly log: Logger; readonly metrics: Metrics },
): ApolloServerPlugin<OperationContext> {
  return {
    requestDidStart() {
      const started = process.hrtime.bigint();
      let ran = false;
      return Promise.resolve({
        async responseForOperation({ document, source, queryHash: hash, request, contextValue }) {
          ran = true;
          const outcome = await pipeline.run(
            {
              document,
              source: { text: source, hash: hash ?? queryHash(source) },
              operationName: request.operationName,
              variables: request.variables,
            },
            contextValue,
            'http',
          );
          return {
            http: { status: outcome.status, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: outcome.result },
          };
        },
        // Requests Apollo answered itself (a syntax error, a persisted-query miss, a GET mutation) never
        // reached the pipeline, which records every other operation.
        willSendResponse({ response, operation }) {
          if (!ran)
            metrics.recordOperation(
              operation?.operation ?? 'unknown',
              response.body.kind === 'single' ? response.body.singleResult.errors : undefined,
              Number(process.hrtime.bigint() - started) / 1e9,
            );
          return Promise.resolve();
        },
      });
    },
    unexpectedErrorProcessingRequest({ requestContext, error }) {
      log.error(
        { requestId: requestContext.contextValue.requestId, err: error },
        'a GraphQL request failed outside its operation',
      );
      return Promise.resolve();
    },
  };
}
