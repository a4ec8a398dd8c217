import { describe, expect, it } from 'vitest';
import { parseScopeList, scopeOf, scopesFromClaims } from './scopes.js';

describe('scopes', () => {
  it('accepts the store’s names and the tams-api/ names existing TAMS deployments issue', () => {
    expect(scopeOf('read')).toBe('read');
    expect(scopeOf('tams-api/delete')).toBe('delete');
    expect(scopeOf('tams-api/other')).toBeUndefined();
    expect(scopeOf('READ')).toBeUndefined();
  });

  it('reads OAuth `scope` strings and `scp` arrays or strings, ignoring scopes of other services', () => {
    expect([...scopesFromClaims({ scope: 'openid tams-api/read tams-api/write' })]).toEqual([
      'read',
      'write',
    ]);
    expect([...scopesFromClaims({ scp: ['admin', 'email'] })]).toEqual(['admin']);
    expect([...scopesFromClaims({ scp: 'delete read' })]).toEqual(['delete', 'read']);
    expect([...scopesFromClaims({ scope: 42, scp: { read: true } })]).toEqual([]);
  });

  it('parses an operator’s list strictly, so a typo is an error rather than a missing grant', () => {
    expect(parseScopeList('write, read tams-api/admin')).toEqual(['read', 'write', 'admin']);
    expect(() => parseScopeList('read,wirte')).toThrow(/unknown scope "wirte"/);
    expect(() => parseScopeList(' , ')).toThrow(/no scopes/);
  });
});
