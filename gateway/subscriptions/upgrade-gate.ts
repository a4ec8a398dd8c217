import type { VerifyClientCallbackAsync } from 'ws';
import type { UpgradeRefusal } from '../http/server.js';

/**
 * A `ws` server's gate on upgrade requests: `refusal()` (the HTTP server's admission control) decides
 * before the handshake; a refused upgrade is answered with the refusal's status, headers and JSON body
 * on the raw socket, which is then closed. Nothing of graphql-ws has run for it, so reconnecting after
 * the Retry-After is always safe.
 */
export function upgradeGate(refusal: () => UpgradeRefusal | null): VerifyClientCallbackAsync {
  // Two parameters: ws calls the asynchronous form, whose callback takes a status, body and headers.
  return (_info, done) => {
    const refused = refusal();
    if (!refused) return done(true);
    // ws writes Content-Type text/html unless told otherwise (same spelling overrides it).
    done(false, refused.status, refused.body, { ...refused.headers, 'Content-Type': 'application/json' });
  };
}
