/** The one interface both object-store adapters (filesystem, S3) implement. */

/** A request a client makes on its own, outside the API: a URL and the headers it must send. */
export interface PresignedRequest {
  readonly url: string;
  /** Headers the client must send with the request (e.g. `content-type`); absent when there are none. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PresignPutOptions {
  /** The object's media type. The filesystem store signs and enforces it; S3 stores it (see README). */
  readonly contentType?: string;
  /** Lifetime of the URL, whole seconds from 1 to 604800 (7 days, the SigV4 limit). */
  readonly expiresInSeconds: number;
}

export interface PresignGetOptions {
  /** Lifetime of the URL, whole seconds from 1 to 604800 (7 days, the SigV4 limit). */
  readonly expiresInSeconds: number;
}

export interface ObjectStore {
  readonly kind: 'filesystem' | 's3';
  /** URL a client PUTs an object's bytes to; expires. contentType, when given, is part of the request. */
  presignPut(objectId: string, options: PresignPutOptions): PresignedRequest;
  /**
   * URL a client GETs (or HEADs) the bytes from; expires. Synchronous and cheap: it is on the hot path of
   * every segment listing (1000 URLs per page).
   */
  presignGet(objectId: string, options: PresignGetOptions): string;
  /** Whether the bytes exist. */
  exists(objectId: string): Promise<boolean>;
  /** The stored object's size in bytes (a HEAD on S3); null when the bytes do not exist. */
  size(objectId: string): Promise<number | null>;
  /** Removes the bytes; removing a missing object is not an error. */
  delete(objectId: string): Promise<void>;
  /** Server-side write (tests, internal tools). */
  put(objectId: string, body: Buffer, contentType?: string): Promise<void>;
  /** Server-side read (tests, internal tools); null when the object does not exist. */
  get(objectId: string): Promise<Buffer | null>;
  /** Releases timers, sockets and clients; the store is unusable afterwards. */
  close(): Promise<void>;
}
