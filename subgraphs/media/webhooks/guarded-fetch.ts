import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type * as Undici from 'undici';
import type { Agent } from 'undici';
import { lazyModule } from '../../../lib/lazy-module.js';
import { ipLiteralOf, isPublicAddress } from './webhook-targets.js';

const undici = lazyModule<typeof Undici>('undici');

/** The error a refused connection fails with; its code is what the delivery state records. */
class NonPublicTargetError extends Error {
  readonly code = 'EWEBHOOKTARGET';
  constructor(what: string) {
    super(`${what} is not a public address`);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * Resolves like the system does, then drops non-public addresses: the check happens on the address the
 * connection is actually made to, so a name that resolves to 127.0.0.1 at delivery time (DNS rebinding)
 * is refused even if it resolved elsewhere when the webhook was registered.
 */
export function publicOnlyLookup(resolve: typeof dnsLookup = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void =>
    resolveAll(resolve, hostname, options, callback);
}

function resolveAll(
  resolve: typeof dnsLookup,
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, []);
    const allowed = addresses.filter((a) => isPublicAddress(a.address));
    if (!allowed.length) return callback(new NonPublicTargetError(hostname), []);
    if (options.all) return callback(null, allowed);
    callback(null, allowed[0]!.address, allowed[0]!.family);
  });
}

/**
 * A fetch for webhook deliveries that connects to public addresses only (webhook-targets.ts). Uses
 * undici directly because the global fetch offers no hook into name resolution.
 */
export function createPublicOnlyFetch(): typeof fetch {
  // undici is loaded with the first delivery: a store without webhooks never needs it (idle RSS).
  let agent: Agent | undefined;
  const guarded = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const ip = ipLiteralOf(url);
    // An address in the URL is connected to without a lookup: check it here.
    if (ip !== undefined && !isPublicAddress(ip))
      throw new TypeError('fetch failed', { cause: new NonPublicTargetError(ip) });
    const { Agent, fetch: undiciFetch } = undici();
    agent ??= new Agent({ connect: { lookup: publicOnlyLookup() } });
    return undiciFetch(url, { ...(init as object), dispatcher: agent });
  };
  return guarded;
}
