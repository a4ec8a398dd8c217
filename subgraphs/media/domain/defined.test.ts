import { expect, it } from 'vitest';
import { defined } from './event-payload-json.js';

it('drops null and undefined members and keeps the rest, a client member named __proto__ included', () => {
  const extra = JSON.parse('{"__proto__": {"polluted": true}, "x": 0}') as Record<string, unknown>;
  const out = defined({ ...extra, a: null, b: undefined, c: false, d: '' });
  expect(Object.keys(out)).toEqual(['__proto__', 'x', 'c', 'd']);
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"x":0,"c":false,"d":""}');
});
