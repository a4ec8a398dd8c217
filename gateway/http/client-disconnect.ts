/**
 * Errors that mean the peer went away: an upload aborted mid-body ('aborted', ECONNRESET), a download
 * cut mid-stream (EPIPE, premature close), a write to a connection already gone. They are the client's
 * doing, not a fault of the server, so they are logged at debug without a stack; anything else that
 * fails a request stays an error with its cause.
 */
const DISCONNECT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/** The error's code when it is one a vanished peer causes, else undefined. */
export function disconnectCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISCONNECT_CODES.has(code) ? code : undefined;
}

/**
 * Whether `error` is the client's connection going away: a disconnect code *and* the client's socket
 * is closed. The second condition keeps a reset from somewhere else (a remote subgraph, S3) an error.
 */
export function isClientDisconnect(error: unknown, socket: { readonly destroyed: boolean }): boolean {
  return disconnectCode(error) !== undefined && socket.destroyed;
}
