import { describe, expect, it } from 'vitest';
import { DecodedValues, deepFreeze } from './decoded-values.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('DecodedValues', () => {
  it('decodes once per key and bytes; other bytes under the same key are decoded again', () => {
    const memo = new DecodedValues(1024);
    let decodes = 0;
    const decode = (bytes: Buffer) => {
      decodes += 1;
      return JSON.parse(bytes.toString()) as { v: number };
    };
    const a = memo.get('k', encode({ v: 1 }), decode);
    expect(memo.get('k', encode({ v: 1 }), decode)).toBe(a);
    expect(decodes).toBe(1);
    expect(memo.get('k', encode({ v: 2 }), decode)).toEqual({ v: 2 });
    expect(decodes).toBe(2);
    expect(memo.get('other', encode({ v: 2 }), decode)).toEqual({ v: 2 });
    expect(decodes).toBe(3);
  });

  it('keeps what it decoded from a copy: a caller reusing its buffer cannot make it answer wrongly', () => {
    const memo = new DecodedValues(1024);
    const bytes = encode({ v: 1 });
    memo.get('k', bytes, (b) => JSON.parse(b.toString()) as unknown);
    bytes.write('{"v":2}');
    expect(memo.get('k', bytes, (b) => JSON.parse(b.toString()) as unknown)).toEqual({ v: 2 });
  });

  it('does not keep a value that did not decode', () => {
    const memo = new DecodedValues(1024);
    let decodes = 0;
    const failing = () => {
      decodes += 1;
      return undefined;
    };
    expect(memo.get('k', encode(1), failing)).toBeUndefined();
    expect(memo.get('k', encode(1), failing)).toBeUndefined();
    expect(decodes).toBe(2);
  });

  it('is bounded by the bytes it keeps: the least recently used go first', () => {
    const memo = new DecodedValues(20);
    let decodes = 0;
    const decode = (b: Buffer) => {
      decodes += 1;
      return b.toString();
    };
    memo.get('a', Buffer.from('0123456789'), decode);
    memo.get('b', Buffer.from('0123456789'), decode);
    memo.get('c', Buffer.from('0123456789'), decode);
    expect(decodes).toBe(3);
    memo.get('c', Buffer.from('0123456789'), decode);
    expect(decodes).toBe(3);
    memo.get('a', Buffer.from('0123456789'), decode);
    expect(decodes).toBe(4);
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays, leaves typed arrays and primitives alone', () => {
    const value = deepFreeze({ a: [{ b: 1 }], c: new Uint8Array([1]), d: new Date(0), e: null, f: 1n });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a[0])).toBe(true);
    expect(Object.isFrozen(value.c)).toBe(false);
    expect(deepFreeze(3)).toBe(3);
    expect(deepFreeze(undefined)).toBeUndefined();
  });
});
