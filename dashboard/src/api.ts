import type { Client } from 'graphql-ws';
import { createClient } from 'graphql-ws';

/**
 * The dashboard's two ways to the gateway: queries over fetch (bearer header) and subscriptions over one
 * graphql-ws connection (the token in `connection_init`), reconnecting by itself when the connection
 * drops. A refused token (401, or graphql-ws close 4401/4403) stops everything and signs out.
 */

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

/** The gateway refused the credentials (401) or the token's scope (403 / FORBIDDEN). */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

export interface ApiHooks {
  status(status: LinkStatus, detail?: string): void;
  refused(error: AuthError): void;
}

export class Api {
  private readonly ws: Client;
  private disposed = false;

  constructor(
    private readonly token: string,
    private readonly hooks: ApiHooks,
  ) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    let everConnected = false;
    this.ws = createClient({
      url,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: true,
      keepAlive: 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      // Up to 10 s between attempts (graphql-ws's default backs off to minutes): a wall screen should
      // come back soon after the gateway does.
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** retries))),
      shouldRetry: (event) => {
        const code = (event as { code?: number } | undefined)?.code;
        if (code === 4401 || code === 4403) {
          const reason = (event as { reason?: string }).reason;
          this.hooks.refused(
            new AuthError(code === 4401 ? 401 : 403, reason || 'the live connection refused the token'),
          );
          return false;
        }
        return !this.disposed;
      },
      on: {
        connecting: () => this.hooks.status(everConnected ? 'reconnecting' : 'connecting'),
        connected: () => {
          everConnected = true;
          this.hooks.status('live');
        },
        closed: (event) => {
          if (this.disposed) return;
          const code = (event as { code?: number } | undefined)?.code;
          if (code === 4401 || code === 4403) this.hooks.status('refused');
          else if (everConnected)
            this.hooks.status('reconnecting', `the live connection dropped (${code ?? 'network'})`);
        },
      },
    });
  }

  /** Runs a query; throws AuthError for a refused token or scope, Error with the server's message else. */
  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new Error(`the gateway cannot be reached (${String(error)}); it may be restarting`);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: GraphQLError[] };
    const first = body.errors?.[0];
    if (response.status === 401) throw new AuthError(401, first?.message ?? 'the token was refused');
    if (response.status === 403 || first?.extensions?.code === 'FORBIDDEN')
      throw new AuthError(403, first?.message ?? 'the token lacks the scope for this view');
    if (first)
      throw new Error(`${first.message}${first.extensions?.code ? ` (${first.extensions.code})` : ''}`);
    if (!response.ok || body.data === undefined)
      throw new Error(`the gateway answered ${response.status} without data`);
    return body.data;
  }

  /**
   * Subscribes; `next` gets each payload's data. Returns the unsubscribe function. Errors of the
   * operation (not of the connection, which retries) go to `error`.
   */
  subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
    next: (data: T) => void,
    error: (error: Error) => void = (e) => console.warn('subscription failed', e),
    complete: () => void = () => {},
  ): () => void {
    return this.ws.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) this.operationFailed(result.errors as GraphQLError[], error);
          if (result.data) next(result.data);
        },
        error: (e: unknown) => {
          if (e instanceof Error) error(e);
          else if (Array.isArray(e)) this.operationFailed(e as GraphQLError[], error);
          // Else a CloseEvent: the connection's concern (the status shows it, it reconnects).
        },
        complete,
      },
    );
  }

  /** A refused scope (FORBIDDEN) signs out with the reason; other errors go to the view. */
  private operationFailed(errors: GraphQLError[], error: (error: Error) => void): void {
    const forbidden = errors.find((e) => e.extensions?.code === 'FORBIDDEN');
    if (forbidden) this.hooks.refused(new AuthError(403, forbidden.message));
    else error(new Error(errors.map((e) => e.message).join('; ')));
  }

  dispose(): void {
    this.disposed = true;
    void this.ws.dispose();
  }
}
