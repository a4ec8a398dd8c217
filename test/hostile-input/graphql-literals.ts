import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import { hostileJsonValue, protoObject } from './hostile-json.js';
import { badId, badTimerange, hostileString, unknownUuid, validTimerange } from './hostile-values.js';

/**
 * Hostile GraphQL literals and variable values for the documents of graphql-documents.ts and
 * graphql-mutations.ts: strings left unescaped, numbers out of range, deep lists and objects, ids that
 * name nothing or are no id, timeranges that are no timerange.
 */

/** A GraphQL string literal (JSON escapes are GraphQL escapes), sometimes left unescaped to break the syntax. */
const stringLiteral = (s: fc.Arbitrary<string>) =>
  fc.tuple(s, fc.nat(15)).map(([v, how]) => (how === 0 ? `"${v}"` : JSON.stringify(v)));

/** Literals of the wrong kind for most arguments, deep lists and objects included. */
const oddLiteral = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '2147483648',
    '99999999999999999999',
    '1.5',
    '-0.0',
    '1e400',
    'true',
    'null',
    'VIDEO',
    'NOPE',
    '$undefinedVariable',
    '[]',
    '{}',
    '""',
    '"""block"""',
  ),
  fc
    .tuple(fc.integer({ min: 50, max: 4000 }), fc.boolean())
    .map(([depth, list]) =>
      list ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
);

const str = fc.oneof(
  { weight: 4, arbitrary: stringLiteral(hostileString) },
  { weight: 1, arbitrary: oddLiteral },
);

function idLiteral(fx: Fixtures) {
  return fc.oneof(
    stringLiteral(fc.constantFrom(fx.flow, fx.readOnlyFlow, fx.source, fx.deleteRequest)),
    stringLiteral(unknownUuid(fx.ids)),
    stringLiteral(badId(fx.ids)),
    oddLiteral,
  );
}

const intLiteral = fc.oneof(
  fc.constantFrom('0', '-1', '1', '1000', '1001', '2147483647', '2147483648', '-2147483649'),
  oddLiteral,
);
const boolLiteral = fc.oneof(fc.constantFrom('true', 'false'), oddLiteral);
const timerangeLiteral = fc.oneof(stringLiteral(validTimerange), stringLiteral(badTimerange), oddLiteral);
const enumLiteral = fc.oneof(
  fc.constantFrom('VIDEO', 'AUDIO', 'MULTI', 'video', 'SMELL', '"VIDEO"'),
  oddLiteral,
);

export type Lits = {
  id: string;
  id2: string;
  s1: string;
  s2: string;
  s3: string;
  i1: string;
  i2: string;
  b: string;
  tr1: string;
  tr2: string;
  e: string;
};

export function literals(fx: Fixtures): fc.Arbitrary<Lits> {
  return fc.record({
    id: idLiteral(fx),
    id2: idLiteral(fx),
    s1: str,
    s2: str,
    s3: str,
    i1: intLiteral,
    i2: intLiteral,
    b: boolLiteral,
    tr1: timerangeLiteral,
    tr2: timerangeLiteral,
    e: enumLiteral,
  });
}

/** A JSON value for a variable: sometimes right-looking, often hostile, sometimes of another type. */
export const variableValue = fc.oneof(hostileJsonValue, hostileString, protoObject);
