import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import { getOperationAST, print } from 'graphql';
import { DOCUMENT_ERROR_CODES, INTERNAL_CODES, isErrorCode, statusOf } from '../error-codes.js';
import { HttpError } from '../http/errors.js';
import type { OperationContext, OperationPipeline, Variables } from '../operations/index.js';
import * as operations from './__generated__/operations.js';

/** Runs one of the REST shim's typed operations in process through the operation pipeline, as the REST request's caller. */
export interface GraphQLRunner {
  run<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<R>;
}

/** Registers the shim's documents with the pipeline, validating each once: an invalid one fails the start. */
export function registerDocuments(pipeline: OperationPipeline): void {
  for (const [name, document] of Object.entries(operations))
    if (name.endsWith('Document')) pipeline.own(document);
}

export function graphqlRunner(pipeline: OperationPipeline, context: OperationContext): GraphQLRunner {
  return {
    async run<R, V>(document: TypedDocumentNode<R, V>, variables?: V) {
      const owned = pipeline.own(document);
      const { result } = await pipeline.run(
        { document: owned, variables: variables as Variables },
        context,
        'in-process',
      );
      const first = result.errors?.[0];
      if (first) throw restError(first, owned);
      return result.data as R;
    },
  };
}

/**
 * The REST answer to an operation's first error: its code as the TAMS error `type`, with the status the
 * code has (error-codes.ts). Internal errors were logged, with their cause, by the pipeline. A document
 * refused as such, or any other code that maps to a 5xx, is the shim's own fault (its documents are
 * validated at start and must fit the limits): not logged anywhere yet, so it becomes a plain error,
 * which the HTTP server logs and answers 500.
 */
function restError(first: GraphQLFormattedError, document: DocumentNode): Error {
  const code = first.extensions?.code;
  const status = statusOf(code);
  if (
    !isErrorCode(code) ||
    DOCUMENT_ERROR_CODES.has(code) ||
    (status >= 500 && status !== 503 && !INTERNAL_CODES.has(code))
  )
    return new Error(
      `the REST shim's ${operationLabel(document)} failed with ${String(code)}: ${first.message}`,
    );
  return new HttpError(status, code, first.message);
}

/** "operation Flows" (or the document's start) for messages about one of the shim's documents. */
function operationLabel(document: DocumentNode): string {
  const name = getOperationAST(document)?.name?.value;
  return name ? `operation ${name}` : `operation ${JSON.stringify(print(document).slice(0, 40))}`;
}
