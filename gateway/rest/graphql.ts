import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import { getOperationAST, parse, print } from 'graphql';
import { DOCUMENT_ERROR_CODES, INTERNAL_CODES, isErrorCode, statusOf } from '../error-codes.js';
import { HttpError } from '../http/errors.js';
import type { OperationContext, OperationPipeline } from '../operations/index.js';
import * as documents from './documents.js';

/**
 * A document carrying the types of its result and variables: structurally the `TypedDocumentNode` of
 * @graphql-typed-document-node/core (what graphql-codegen's typed-document-node output produces), so
 * those documents are accepted as they are.
 */
export type TypedDocument<R, V> = DocumentNode & { readonly __apiType?: (variables: V) => R };

/** Runs a GraphQL operation in process through the operation pipeline, as the REST request's caller. */
export interface GraphQLRunner {
  run<R, V extends Record<string, unknown> = Record<string, unknown>>(
    document: TypedDocument<R, V> | string,
    variables?: V,
  ): Promise<R>;
}

/**
 * Operation texts parsed once, when this module loads (documents.ts) or on first use: the shim's
 * documents are the server's own, so the pipeline never parses or validates them per request.
 * Transitional: typed documents arrive parsed, and text then has no reason to be accepted here.
 */
const parsedTexts = new Map<string, DocumentNode>(
  Object.values(documents)
    .filter((text) => /^\s*(query|mutation|\{)/.test(text))
    .map((text) => [text, parse(text)]),
);

function documentOf(document: DocumentNode | string): DocumentNode {
  if (typeof document !== 'string') return document;
  let parsed = parsedTexts.get(document);
  if (!parsed) parsedTexts.set(document, (parsed = parse(document)));
  return parsed;
}

/** Registers the shim's documents with the pipeline, validating each once: an invalid one fails the start. */
export function registerDocuments(pipeline: OperationPipeline): void {
  for (const document of parsedTexts.values()) pipeline.own(document);
}

export function graphqlRunner(pipeline: OperationPipeline, context: OperationContext): GraphQLRunner {
  return {
    async run<R, V extends Record<string, unknown>>(document: TypedDocument<R, V> | string, variables?: V) {
      const owned = pipeline.own(documentOf(document));
      const { result } = await pipeline.run({ document: owned, variables }, context, 'in-process');
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
