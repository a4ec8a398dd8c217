import { describe, expect, it } from 'vitest';
import { InternalTokens } from './internal-token.js';

describe('internal tokens between gateway and subgraphs', () => {
  const secret = 'a-shared-internal-secret-of-enough-length-42';
  it('carry the caller’s principal and scopes, and only verify with the same secret', async () => {
    const gateway = new InternalTokens(secret);
    const token = await gateway.sign({
      principal: 'ana',
      scopes: new Set(['read', 'write']),
      scheme: 'api-token',
    });
    expect(await new InternalTokens(secret).verify(token)).toEqual({
      principal: 'ana',
      scopes: new Set(['read', 'write']),
      scheme: 'internal',
    });
    expect(await new InternalTokens(`${secret}!`).verify(token)).toBeNull();
    expect(await gateway.verify(`${token}x`)).toBeNull();
  });

  it('keep an unauthenticated caller anonymous', async () => {
    const tokens = new InternalTokens(secret);
    const token = await tokens.sign({ principal: null, scopes: new Set(['admin']), scheme: 'none' });
    expect(await tokens.verify(token)).toMatchObject({ principal: null, scopes: new Set(['admin']) });
  });
});
