/** Longest excerpt of a client value quoted in an error message; keeps hostile input out of logs. */
const MAX_QUOTED_LENGTH = 80;

/**
 * A short, printable rendering of an offending value for error messages: strings are quoted (JSON
 * escaping makes control characters and lone surrogates visible) and truncated; other values are named
 * by their kind in parentheses, because echoing arbitrary objects back is neither useful nor safe.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= MAX_QUOTED_LENGTH) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, MAX_QUOTED_LENGTH))}… (${value.length} characters)`;
  }
  return `(${describeKind(value)})`;
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `the ${typeof value} ${String(value)}`;
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
