import { LRUCache } from 'lru-cache';

/**
 * Decoded cache values by key, reused while the store answers the same bytes. A hit on an unchanged
 * entry then costs a byte comparison instead of a decode: decoding was the largest single cost of a
 * cached REST window read (7% of its CPU: a flow row and ten object rows through V8's deserializer each
 * time, more through the JSON reviver on Redis). The values handed out are shared between requests, so
 * they are deep-frozen: a caller that mutates one fails loudly instead of changing what others read.
 * Bounded by the encoded bytes it keeps (the decoded values are of the same order).
 */
export class DecodedValues {
  private readonly entries: LRUCache<string, { readonly bytes: Buffer; readonly value: unknown }>;

  constructor(maxBytes: number) {
    this.entries = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes.length),
    });
  }

  /**
   * The value of `bytes` under `key`: the one decoded before when the bytes are the same, else
   * `decode(bytes)`, frozen. An `undefined` (bytes that did not decode) is not kept.
   */
  get<V>(key: string, bytes: Buffer, decode: (bytes: Buffer) => V | undefined): V | undefined {
    const known = this.entries.get(key);
    if (known !== undefined && known.bytes.equals(bytes)) return known.value as V;
    const value = deepFreeze(decode(bytes));
    if (value === undefined) return undefined;
    // The bytes are the caller's; a copy keeps the comparison true to what was decoded.
    this.entries.set(key, { bytes: Buffer.from(bytes), value });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Freezes a plain value and everything in it (arrays, objects). A Date's time and a typed array's
 * elements cannot be frozen (the latter refuses to be): those are left as they are.
 */
export function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
