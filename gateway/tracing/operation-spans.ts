import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Execution } from '../operations/index.js';

/** Where a GraphQL operation runs: the gateway's pipeline, or a subgraph served on its own. */
export type OperationSide = { readonly gateway: true } | { readonly subgraph: string };

/**
 * The span of each GraphQL operation the pipeline executes (its last step, operations/execution.ts):
 * `<type> <name>`, with the operation's type and name and, when it answers errors, their count and codes
 * (`graphql.error.codes`); a thrown failure is recorded as an exception. What the operation runs (the
 * gateway's plan and fetches, a direct route, the resolvers and their statements) is its child. No
 * variable value is recorded.
 */
export function tracedExecution(execution: Execution, tracer: Tracer, side: OperationSide): Execution {
  const sideAttributes: Attributes =
    'subgraph' in side ? { 'tams.subgraph': side.subgraph } : { 'tams.graphql.side': 'gateway' };
  return {
    execute(prepared, variables, context) {
      const type = prepared.operation.operation;
      const name = prepared.operation.name?.value;
      return tracer.startActiveSpan(
        name ? `${type} ${name}` : type,
        {
          attributes: {
            'graphql.operation.type': type,
            ...(name ? { 'graphql.operation.name': name } : {}),
            'tams.request_id': context.requestId,
            ...sideAttributes,
          },
        },
        (span) => traced(span, () => execution.execute(prepared, variables, context)),
      );
    },
  };
}

/** A GraphQL error, thrown or formatted: only its code is read. */
interface GraphQLErrorLike {
  readonly extensions?: { readonly code?: unknown };
}

/** Runs `fn` as `span`'s work, records its GraphQL errors, and ends the span. */
export async function traced<R extends { readonly errors?: readonly GraphQLErrorLike[] }>(
  span: Span,
  fn: () => Promise<R>,
): Promise<R> {
  try {
    const result = await fn();
    if (result.errors?.length) recordErrors(span, result.errors);
    return result;
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** The errors' count and distinct codes; the span fails (their messages stay in the log, by request id). */
export function recordErrors(span: Span, errors: readonly GraphQLErrorLike[]): void {
  const codes = [
    ...new Set(
      errors.map((e) =>
        typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR',
      ),
    ),
  ];
  span.setAttributes({ 'graphql.error.count': errors.length, 'graphql.error.codes': codes });
  span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
}
