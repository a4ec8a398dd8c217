import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ValueCodec } from './value-codec.js';
import { jsonCodec, structuredCodec } from './value-codec.js';

describe.each([
  ['jsonCodec', jsonCodec<unknown>()],
  ['structuredCodec', structuredCodec<unknown>()],
] as [string, ValueCodec<unknown>][])('%s', (_name, codec) => {
  const roundTrip = (value: unknown) => codec.decode(Buffer.from(codec.encode(value)));

  it('keeps bigint, Date and non-finite numbers, at any depth', () => {
    const row = {
      id: 'f',
      timerange: { kind: 'range', start: -(2n ** 63n), end: 2n ** 64n + 1n },
      created: new Date('2026-11-26T10:00:00.123Z'),
      invalid: new Date(NaN),
      list: [1n, null, Infinity, -Infinity, NaN, -0, 'x'],
      tags: { a: 'b' },
    };
    expect(roundTrip(row)).toEqual(row);
  });

  it('round-trips any JSON-like value with bigints and dates, keys starting with NUL included', () => {
    const leaf = fc.oneof(fc.bigInt(), fc.date(), fc.string(), fc.double(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      object: fc.dictionary(
        fc.oneof(fc.string(), fc.constantFrom('\u0000n', '\u0000d', '\u0000f', '\u0000', '\u0000\u0000n')),
        tie('node'),
        {
          maxKeys: 4,
        },
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
    );
  });

  it('refuses values JSON would flatten silently', () => {
    expect(() => codec.encode({ m: new Map([[1, 2]]) })).toThrow(/Map at "m"/);
    expect(() => codec.encode([new (class Row {})()])).toThrow(/Row/);
  });
});
