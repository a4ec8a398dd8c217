import { getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { limitRules } from './index.js';
import { loadApiSchema } from './test-support/api-schema.js';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await loadApiSchema();
});

const codes = (query: string, ...rules: ReturnType<typeof limitRules>) =>
  validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => e.extensions['code'] ?? e.message);

describe('the defaults against the composed API schema', () => {
  it('let the introspection queries of GraphiQL and Apollo tooling through', () => {
    expect(codes(getIntrospectionQuery(), ...limitRules())).toEqual([]);
    const everything = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    expect(codes(everything, ...limitRules())).toEqual([]);
  });

  it('leave no headroom for introspection depth: its type references reach exactly depth 15', () => {
    // __schema.types.fields.args.type and nine ofType levels, then kind: lowering maxDepth breaks tooling.
    expect(codes(getIntrospectionQuery(), ...limitRules({ maxDepth: 14 }))).toEqual(['QUERY_TOO_DEEP']);
  });

  it('let a rich cross-subgraph query through', () => {
    const query = `
      query Dashboard($after: String) {
        flows(limit: 50, after: $after) {
          pageInfo { endCursor hasNextPage limit }
          nodes {
            id label format codec tags { name value } stats { segmentCount }
            source { id label flows(limit: 5) { nodes { id stats { segmentCount } } } }
            essenceParameters {
              __typename
              ... on VideoEssenceParameters { frameWidth frameHeight frameRate { numerator denominator } }
              ... on AudioEssenceParameters { sampleRate channels }
            }
            segments(limit: 10) {
              timerange
              nodes { objectId timerange getUrls(presigned: true) { url label presigned } object { id } }
            }
          }
        }
      }`;
    expect(codes(query, ...limitRules())).toEqual([]);
  });
});
