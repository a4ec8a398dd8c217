import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from './read-body.js';

/**
 * A client that gives up before its handler reads the body (the gateway's subgraph fetch deadline
 * against a stopped process does exactly that): the read fails at once as a disconnect instead of
 * waiting for an 'end' that cannot come, which held the handler, and a draining process's exit, for
 * the body deadline (60 s).
 */
describe('readBody', () => {
  it('fails as a disconnect when the client went away before the body was read', async () => {
    let settled!: (outcome: unknown) => void;
    const outcome = new Promise<unknown>((resolve) => (settled = resolve));
    const server = createServer((req) => {
      // The handler is busy elsewhere (authentication, say) until the client has gone and the request's
      // own 'close' is past.
      req.once('close', () =>
        setImmediate(() => {
          readBody(req, 1024, 1000).then(
            (body) => settled(`read ${body.length} bytes`),
            (error: unknown) => settled(error),
          );
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
        client.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}');
      });
      // Gone once the server has the request (it dispatched it: headers and body are in).
      server.once('request', () => client.destroy());
      expect(await outcome).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
