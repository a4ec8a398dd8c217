import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { lookup } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMediaHarness } from '../test-support/media-harness.js';
import { createPublicOnlyFetch, publicOnlyLookup } from './guarded-fetch.js';
import { isPublicAddress, refusedWebhookTarget } from './webhook-targets.js';

describe('which addresses webhooks may reach', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, reserved and mapped addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '::7f00:1', // IPv4-compatible 127.0.0.1
      '2002:7f00:1::', // 6to4 of 127.0.0.1
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
      '192.88.99.1',
      'not an ip',
    ])
      expect(isPublicAddress(ip), ip).toBe(false);
    for (const ip of [
      '8.8.8.8',
      '93.184.216.34',
      '172.32.0.1',
      '2606:4700:4700::1111',
      '2001:4860:4860::8888',
    ])
      expect(isPublicAddress(ip), ip).toBe(true);
  });

  it('refuses URLs that name such an address, this machine, or carry credentials', () => {
    const refused = (u: string) => refusedWebhookTarget(new URL(u));
    expect(refused('http://127.0.0.1:8080/hook')).toMatch(/not a public address.*TAMS_WEBHOOK_ALLOW_PRIVATE/);
    expect(refused('http://[::1]/hook')).toMatch(/not a public address/);
    expect(refused('http://169.254.169.254/latest/meta-data')).toMatch(/not a public address/);
    expect(refused('http://LOCALHOST./x')).toMatch(/this machine/);
    expect(refused('http://api.localhost/x')).toMatch(/this machine/);
    expect(refused('https://user:pw@receiver.example/x')).toMatch(/credentials/);
    expect(refused('https://receiver.example/hook')).toBeUndefined();
    expect(refused('http://8.8.8.8/hook')).toBeUndefined();
    // Allowing private targets lifts the address rules only.
    const allowing = (u: string) => refusedWebhookTarget(new URL(u), { allowPrivate: true });
    expect(allowing('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect(allowing('https://user:pw@10.0.0.1/x')).toMatch(/credentials/);
    expect(allowing('ftp://10.0.0.1/x')).toMatch(/http or https/);
  });

  it('drops non-public addresses a name resolves to, at connection time', async () => {
    const resolver = (addresses: { address: string; family: number }[]) =>
      ((_host: string, _options: object, callback: (e: null, a: typeof addresses) => void) =>
        callback(null, addresses)) as unknown as typeof lookup;
    const run = (addresses: { address: string; family: number }[], all: boolean) =>
      new Promise<unknown>((resolve) =>
        publicOnlyLookup(resolver(addresses))('h.example', { all }, (error, address) =>
          resolve(error ? (error as { code?: string }).code : address),
        ),
      );
    const mixed = [
      { address: '10.0.0.5', family: 4 },
      { address: '93.184.216.34', family: 4 },
    ];
    expect(await run(mixed, false)).toBe('93.184.216.34');
    expect(await run(mixed, true)).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(await run([{ address: '127.0.0.1', family: 4 }], false)).toBe('EWEBHOOKTARGET');
  });
});

describe('the public-only fetch', () => {
  const receiver = createServer((_req, res) => res.writeHead(204).end());
  let port: number;
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => receiver.close());

  it('does not connect to a loopback receiver, by address or by a name that resolves to it', async () => {
    const guarded = createPublicOnlyFetch();
    for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
      const failure = await guarded(url, { method: 'POST' }).then(
        () => 'connected',
        (error: { cause?: { code?: string } }) => error.cause?.code,
      );
      expect(failure, url).toBe('EWEBHOOKTARGET');
    }
    // The receiver is there: plain fetch reaches it.
    expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).status).toBe(204);
  });

  it('is what the store registers with unless private targets are allowed', async () => {
    const h = await openMediaHarness({ allowPrivateWebhookTargets: false });
    try {
      const register = (url: string) =>
        h.errorCode('mutation($i: WebhookInput!) { registerWebhook(input: $i) { status } }', {
          i: { url, events: ['flows/created'] },
        });
      expect(await register(`http://127.0.0.1:${port}/hook`)).toBe('BAD_REQUEST');
      expect(await register('http://localhost/hook')).toBe('BAD_REQUEST');
    } finally {
      await h.close();
    }
  });
});
