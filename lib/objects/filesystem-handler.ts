import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ObjectStoreError } from './errors.js';
import type { ObjectDirectory } from './filesystem-layout.js';
import { parseByteRange } from './http-range.js';
import { MAX_OBJECT_ID_BYTES, objectIdProblem } from './object-id.js';
import type { UrlSigner } from './url-signature.js';

/**
 * The HTTP endpoint behind the filesystem store's signed URLs, for the gateway to mount:
 * `PUT|GET|HEAD {mountPath}/{percent-encoded object id}?expires=..&signature=..`. The signature, not the
 * caller's API credentials, authorises the request, so the gateway must route here before its auth.
 */
export type ObjectRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Told about a failure of the handler, with the request it broke (for logging). */
export type ObjectErrorListener = (error: unknown, req: IncomingMessage, res: ServerResponse) => void;

export interface FilesystemHandlerOptions {
  readonly directory: ObjectDirectory;
  readonly signer: UrlSigner;
  readonly mountPath: string;
  readonly clock: () => number;
  readonly maxObjectBytes: number;
  /**
   * Told about failures answered with 500 (their details stay out of the response), with the request
   * they broke: a client that went away mid-transfer is not the store failing.
   */
  readonly onError?: ObjectErrorListener | undefined;
  /**
   * Told the true size of each object once its upload is durable, before the 201 (e.g. to record it in the
   * index, for storage analytics). A failure here is passed to `onError` and does not fail the upload:
   * the bytes are stored, and a retried PUT would only meet OBJECT_EXISTS.
   */
  readonly onStored?: ObjectStoredListener | undefined;
}

export type ObjectStoredListener = (objectId: string, bytes: number) => Promise<void>;

// The longest path segment a valid id can arrive as: every UTF-8 byte percent-encoded.
const MAX_ENCODED_ID_LENGTH = 3 * MAX_OBJECT_ID_BYTES;
const EXPIRES = /^\d{1,15}$/;

export function createFilesystemHandler(options: FilesystemHandlerOptions): ObjectRequestHandler {
  const { directory, signer, mountPath, clock, maxObjectBytes, onError, onStored } = options;
  const prefix = `${mountPath}/`;

  return async (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!path.startsWith(prefix) && path !== mountPath) return false;
    try {
      await serve(req, res, path.slice(prefix.length), q === -1 ? '' : url.slice(q + 1));
    } catch (e) {
      onError?.(e, req, res);
      if (!res.headersSent) {
        sendError(res, 500, 'OBJECT_STORE_UNAVAILABLE', 'the object store failed; retry later');
      } else {
        res.destroy();
      }
    }
    return true;
  };

  async function serve(req: IncomingMessage, res: ServerResponse, rawId: string, query: string) {
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT') {
      res.setHeader('Allow', 'GET, HEAD, PUT');
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use GET, HEAD or PUT`);
    }
    if (rawId.length > MAX_ENCODED_ID_LENGTH) {
      return sendError(res, 414, 'INVALID_OBJECT_ID', `object ids are at most ${MAX_OBJECT_ID_BYTES} bytes`);
    }
    // Decoded exactly once: `a%2Fb` is the id `a/b`, `%252F` is the id `%2F`.
    let objectId: string;
    try {
      objectId = decodeURIComponent(rawId);
    } catch {
      return sendError(
        res,
        400,
        'INVALID_OBJECT_ID',
        'the object id in the path is not valid percent-encoding',
      );
    }
    const problem = objectIdProblem(objectId);
    if (problem !== undefined) {
      const tooLong = Buffer.byteLength(objectId, 'utf8') > MAX_OBJECT_ID_BYTES;
      return sendError(res, tooLong ? 414 : 400, 'INVALID_OBJECT_ID', problem);
    }

    const params = new URLSearchParams(query);
    const expiresParam = params.get('expires');
    const signature = params.get('signature');
    if (expiresParam === null || signature === null) {
      return sendError(
        res,
        403,
        'SIGNATURE_MISSING',
        'this URL needs expires and signature; request one from the API',
      );
    }
    const expires = EXPIRES.test(expiresParam) ? Number(expiresParam) : -1;
    const isPut = method === 'PUT';
    const contentType = isPut ? headerValue(req.headers['content-type']) : undefined;
    const valid =
      expires >= 0 &&
      (isPut
        ? (contentType !== undefined && signer.verify('PUT', objectId, expires, contentType, signature)) ||
          signer.verify('PUT', objectId, expires, undefined, signature)
        : signer.verify('GET', objectId, expires, undefined, signature));
    if (!valid) {
      return sendError(
        res,
        403,
        'SIGNATURE_INVALID',
        isPut
          ? 'the signature does not match this request; send exactly the Content-Type the URL was issued ' +
              'with, or request a new URL from the API'
          : 'the signature does not match this request; request a new URL from the API',
      );
    }
    // Checked after the signature so that only genuine URLs are told they expired.
    if (Math.floor(clock() / 1000) > expires) {
      return sendError(res, 403, 'URL_EXPIRED', 'this URL has expired; request a new one from the API');
    }

    return isPut ? put(req, res, objectId, contentType) : get(req, res, objectId, method === 'HEAD');
  }

  async function put(req: IncomingMessage, res: ServerResponse, objectId: string, contentType?: string) {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxObjectBytes) return tooLarge(res);
    // Media objects are immutable: once uploaded, a still-valid PUT URL must not replace the bytes that
    // registered segments point at. (Two uploads racing on one URL before either finished: the last
    // wins, as nothing can reference the object yet.)
    if (await directory.exists(objectId)) {
      req.resume();
      return sendError(
        res,
        409,
        'OBJECT_EXISTS',
        'this object has been uploaded already and objects are immutable; allocate a new object for new media',
      );
    }
    let bytes: number;
    try {
      bytes = await directory.write(objectId, req, contentType, maxObjectBytes);
    } catch (e) {
      if (e instanceof ObjectStoreError && e.code === 'OBJECT_TOO_LARGE') return tooLarge(res);
      if (req.destroyed && !req.complete) return res.destroy(); // the client went away mid-upload
      throw e;
    }
    try {
      await onStored?.(objectId, bytes);
    } catch (e) {
      onError?.(e, req, res);
    }
    res.writeHead(201, { 'Content-Length': 0 }).end();
  }

  function tooLarge(res: ServerResponse) {
    // The rest of the body is never read, so the connection cannot carry another request.
    res.setHeader('Connection', 'close');
    sendError(res, 413, 'OBJECT_TOO_LARGE', `objects are at most ${maxObjectBytes} bytes in this store`);
  }

  async function get(req: IncomingMessage, res: ServerResponse, objectId: string, headOnly: boolean) {
    const object = await directory.open(objectId);
    if (object === null) return sendError(res, 404, 'OBJECT_NOT_FOUND', 'no object has this id');
    const { handle, size } = object;
    const range = parseByteRange(headerValue(req.headers.range), size);
    if (range.kind === 'unsatisfiable') {
      await handle.close();
      res.setHeader('Content-Range', `bytes */${size}`);
      return sendError(res, 416, 'RANGE_NOT_SATISFIABLE', `the object has ${size} bytes`);
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    res.statusCode = range.kind === 'partial' ? 206 : 200;
    res.setHeader('Content-Type', object.contentType);
    res.setHeader('Content-Length', end - start + 1);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Last-Modified', object.modified.toUTCString());
    if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    if (headOnly || end < start) {
      await handle.close();
      res.end();
      return;
    }
    // The stream owns the handle from here on and closes it when done or destroyed.
    const body = handle.createReadStream({ start, end });
    try {
      await pipeline(body, res);
    } catch (e) {
      if (!res.destroyed) throw e; // a client that hung up mid-download is not a server failure
    }
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined ? undefined : v.trim();
}

/** A TAMS `error.json`-shaped body: `{type, summary, time}`. */
function sendError(res: ServerResponse, status: number, type: string, summary: string): void {
  const body = JSON.stringify({ type, summary, time: new Date().toISOString() });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
