import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may be sent. A store usually sits inside a broadcaster's network: without a check, any
 * caller allowed to register a webhook could make it POST to internal services (SSRF), e.g. a cloud
 * metadata endpoint at 169.254.169.254. Loopback, private, link-local, carrier-grade NAT, multicast and
 * reserved ranges are refused unless the operator allows them (TAMS_WEBHOOK_ALLOW_PRIVATE).
 */
// Two lists: a BlockList matches IPv4 addresses against IPv4-mapped IPv6 subnets too, so one list holding
// ::ffff:0:0/96 would refuse every IPv4 address.
const NON_PUBLIC_V4 = new BlockList();
const NON_PUBLIC_V6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC_V4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d (some stacks still route them to IPv4).
  ['::', 96],
  // IPv4-mapped and NAT64 addresses reach IPv4 hosts: refused whole rather than decoded.
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // 6to4 (2002:a.b.c.d::/48) and Teredo embed IPv4 addresses: refused whole rather than decoded.
  ['2002::', 16],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC_V6.addSubnet(net, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NON_PUBLIC_V4.check(address, 'ipv4') : !NON_PUBLIC_V6.check(address, 'ipv6');
}

/** The URL's host as an IP address when it is one (IPv6 without brackets), else undefined. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : undefined;
}

/**
 * Why a webhook URL is refused before any name is resolved, or undefined when it may be registered.
 * The scheme and the absence of credentials always apply; the address rules only unless the operator
 * allows private targets. Names are resolved, and their addresses checked, at every delivery (see
 * guarded-fetch.ts): what a name resolves to can change after registration.
 */
export function refusedWebhookTarget(url: URL, options: { allowPrivate?: boolean } = {}): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'webhooks are delivered over http or https only';
  if (url.username || url.password)
    return 'the URL must not carry credentials; use api_key_name and api_key_value';
  if (options.allowPrivate) return undefined;
  const ip = ipLiteralOf(url);
  if (ip !== undefined && !isPublicAddress(ip))
    return `${ip} is not a public address; the operator can allow private targets (TAMS_WEBHOOK_ALLOW_PRIVATE)`;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost'))
    return `${host} is this machine; the operator can allow private targets (TAMS_WEBHOOK_ALLOW_PRIVATE)`;
  return undefined;
}
