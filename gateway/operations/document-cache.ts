import { createHash } from 'node:crypto';
import type { DocumentNode, ParseOptions } from 'graphql';
import { GraphQLError, parse } from 'graphql';
import { MAX_GRAPHQL_TOKENS } from '../limits/index.js';

/** How the gateway parses GraphQL text, on every transport: the token cap bounds the parser's work. */
export const PARSE_OPTIONS: ParseOptions = Object.freeze({ maxTokens: MAX_GRAPHQL_TOKENS });

/** The SHA-256 of a query text, hex: what Apollo Server and the gateway's plan cache key documents by. */
export const queryHash = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A parsed text, or why it does not parse (400, GRAPHQL_PARSE_FAILED, as Apollo Server answers). */
export type Parsed =
  { readonly document: DocumentNode; readonly hash: string } | { readonly error: GraphQLError };

/**
 * Apollo Server's document store interface (`KeyValueCache<DocumentNode>`), written out: the package
 * that declares it is Apollo's, not ours.
 */
export interface DocumentStore {
  get(key: string): Promise<DocumentNode | undefined>;
  set(key: string, value: DocumentNode): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/**
 * Parsed documents by the SHA-256 of their text, least recently used first out, bounded by the total
 * length of the texts it holds (a document's syntax tree grows with its text; the token cap bounds both).
 * One cache for every transport: graphql-ws parses through `parse`, and Apollo Server (the HTTP adapter)
 * reads and fills it as its document store, under keys prefixed with its schema's hash.
 */
export class DocumentCache {
  private readonly entries = new Map<string, { document: DocumentNode; size: number }>();
  private size = 0;

  constructor(private readonly maxTextLength = 4 * 1024 * 1024) {}

  parse(text: string): Parsed {
    const hash = queryHash(text);
    const cached = this.get(hash);
    if (cached) return { document: cached, hash };
    try {
      const document = parse(text, PARSE_OPTIONS);
      this.set(hash, document, text.length);
      return { document, hash };
    } catch (error) {
      return { error: syntaxError(error) };
    }
  }

  private get(hash: string): DocumentNode | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    // Most recently used last.
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry.document;
  }

  private set(hash: string, document: DocumentNode, textLength: number): void {
    // Every entry costs something, so a document without a known text length cannot defeat the bound.
    const size = Math.max(textLength, 256);
    if (size > this.maxTextLength) return;
    this.delete(hash);
    this.entries.set(hash, { document, size });
    this.size += size;
    for (const [oldest, entry] of this.entries) {
      if (this.size <= this.maxTextLength) break;
      this.entries.delete(oldest);
      this.size -= entry.size;
    }
  }

  private delete(hash: string): boolean {
    const entry = this.entries.get(hash);
    if (!entry) return false;
    this.entries.delete(hash);
    this.size -= entry.size;
    return true;
  }

  /** This cache as Apollo Server's `documentStore` (its keys are `<schema hash>:<query hash>`). */
  asDocumentStore(): DocumentStore {
    const hashOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
    return {
      get: (key) => Promise.resolve(this.get(hashOf(key))),
      set: (key, document) => Promise.resolve(this.set(hashOf(key), document, textLength(document))),
      delete: (key) => Promise.resolve(this.delete(hashOf(key))),
    };
  }
}

/** The length of the text a document was parsed from (Apollo hands documents over without their text). */
function textLength(document: DocumentNode): number {
  return document.loc?.end ?? 0;
}

/** A parser failure as the client sees it (graphql-js's syntax errors carry their position). */
function syntaxError(error: unknown): GraphQLError {
  const cause = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(cause?.message ?? 'the query does not parse', {
    ...(cause ? { source: cause.source, positions: cause.positions, originalError: cause } : {}),
    extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
  });
}
