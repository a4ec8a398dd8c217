import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { execute } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';

/** One operation of a document, ready to run again and again with other variables and contexts. */
export type CompiledOperation = (
  variables: Readonly<Record<string, unknown>> | null | undefined,
  contextValue: unknown,
) => Promise<ExecutionResult>;

/**
 * The operation compiled to JavaScript once (graphql-jit), for documents that run many times: the
 * server's own (REST routes) and the gateway's fetches from in-process subgraphs (the query planner
 * makes the same few per operation). graphql-js's generic walk of the selection set was the largest part
 * of a REST read's CPU after the SQL (issue 15 §3). Variables the schema refuses, and an operation the
 * compiler cannot take, are left to graphql-js, which words their errors as every other path does.
 */
export function compileOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
): CompiledOperation {
  const interpreted: CompiledOperation = async (variables, contextValue) =>
    execute({
      schema,
      document,
      operationName: operationName ?? null,
      variableValues: variables ?? null,
      contextValue,
    });
  let compiled;
  try {
    compiled = compileQuery(schema, document, operationName ?? undefined);
  } catch {
    return interpreted;
  }
  if (!isCompiledQuery(compiled)) return interpreted;
  return async (variables, contextValue) => {
    const result = await compiled.query(undefined, contextValue, { ...variables });
    // No data: the variables were refused, before any resolver ran.
    return result.data === undefined ? interpreted(variables, contextValue) : result;
  };
}
