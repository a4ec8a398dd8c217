import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MEDIA_URL_LENGTH, mediaUrlProblem } from './media-url.js';

describe('media URLs (segment get_urls)', () => {
  it.each([
    'https://cdn.example/media/segment-1.ts',
    'http://10.0.0.7:8080/archive/a%20b.ts?token=x&y=1#frag',
    'HTTPS://CDN.EXAMPLE/Upper',
    'https://[2001:db8::1]/v6',
    'https://例え.jp/ü/😀',
    'https://bucket.s3.eu-west-1.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc',
  ])('accepts %j', (url) => {
    expect(mediaUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['javascript:alert(1)', /cannot be fetched/],
    ['JavaScript:alert(document.domain)//https://x', /cannot be fetched/],
    ['data:text/html,<script>alert(1)</script>', /cannot be fetched/],
    ['vbscript:msgbox(1)', /cannot be fetched/],
    ['file:///etc/passwd', /cannot be fetched/],
    ['s3://bucket/key', /cannot be fetched/],
    ['ftp://media.example/a.ts', /cannot be fetched/],
    ['blob:https://x.example/0b3a', /cannot be fetched/],
    ['mailto:ops@example.com', /cannot be fetched/],
    ['java\nscript:alert(1)', /white space or a control/],
    ['java\tscript:alert(1)', /white space or a control/],
    [' https://cdn.example/a', /white space or a control/],
    ['https://cdn.example/a b', /white space or a control/],
    ['https://cdn.example/\u0000', /white space or a control/],
    ['\u0085https://cdn.example/', /white space or a control/],
    ['https://user:secret@cdn.example/a', /credentials/],
    ['https://user@cdn.example/a', /credentials/],
    ['/relative/path', /not an absolute URL/],
    ['cdn.example/a', /not an absolute URL/],
    ['http://', /not an absolute URL/],
    ['', /not an absolute URL/],
    [`https://cdn.example/${'a'.repeat(MAX_MEDIA_URL_LENGTH)}`, /longer than/],
  ])('refuses %j', (url, message) => {
    expect(mediaUrlProblem(url)).toMatch(message);
  });

  it('every accepted URL is one a fetch client sends as http(s) to a host, unchanged in meaning', () => {
    const scheme = fc.constantFrom(
      'http:',
      'https:',
      'HTTP:',
      'javascript:',
      'data:',
      'file:',
      's3:',
      'ws:',
      '',
    );
    const rest = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(scheme, fc.constantFrom('', '/', '//'), rest, (s, slashes, tail) => {
        const candidate = `${s}${slashes}${tail}`;
        if (mediaUrlProblem(candidate) !== undefined) return;
        const url = new URL(candidate);
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(url.hostname).not.toBe('');
        expect(url.username + url.password).toBe('');
        expect(() => new Request(candidate)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
