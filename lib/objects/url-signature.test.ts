import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MethodClass } from './url-signature.js';
import { UrlSigner } from './url-signature.js';

const fieldsArb = fc.record({
  method: fc.constantFrom<MethodClass>('GET', 'PUT'),
  id: fc.string({ unit: 'binary', minLength: 1 }),
  expires: fc.nat(),
  contentType: fc.option(fc.string(), { nil: undefined }),
});

describe('UrlSigner', () => {
  const signer = new UrlSigner(randomBytes(32));

  it('verifies what it signed: 43 base64url characters', () => {
    fc.assert(
      fc.property(fieldsArb, ({ method, id, expires, contentType }) => {
        const sig = signer.sign(method, id, expires, contentType);
        expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(signer.verify(method, id, expires, contentType, sig)).toBe(true);
      }),
    );
  });

  it('rejects a signature when any signed field differs', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (a, b) => {
        fc.pre(
          a.method !== b.method ||
            a.id !== b.id ||
            a.expires !== b.expires ||
            a.contentType !== b.contentType,
        );
        const sig = signer.sign(a.method, a.id, a.expires, a.contentType);
        expect(signer.verify(b.method, b.id, b.expires, b.contentType, sig)).toBe(false);
      }),
    );
  });

  it('keeps fields apart: a content type cannot absorb part of the id', () => {
    const sig = signer.sign('PUT', 'b\nc', 1, 'a');
    expect(signer.verify('PUT', 'c', 1, 'a\nb', sig)).toBe(false);
    expect(signer.verify('PUT', 'b\nc', 1, undefined, sig)).toBe(false);
    expect(signer.verify('PUT', 'b\nc', 1, '', signer.sign('PUT', 'b\nc', 1))).toBe(false);
  });

  it('rejects signatures of the wrong length without throwing', () => {
    for (const sig of ['', 'abc', 'A'.repeat(44), '!!!!']) {
      expect(signer.verify('GET', 'x', 1, undefined, sig)).toBe(false);
    }
  });

  it('a signature from another key does not verify', () => {
    const other = new UrlSigner(randomBytes(32));
    expect(signer.verify('GET', 'x', 1, undefined, other.sign('GET', 'x', 1))).toBe(false);
  });
});
