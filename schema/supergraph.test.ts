import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { isObjectType, Kind } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSdl } from '../subgraphs/sdl.js';
import { composeSupergraph, SUPERGRAPH_HEADER } from './compose.js';

let composed: ReturnType<typeof composeSupergraph>;
let api: GraphQLSchema;
beforeAll(async () => {
  composed = composeSupergraph();
  const gateway = new ApolloGateway({ supergraphSdl: composed.supergraphSdl });
  try {
    api = (await gateway.load()).schema;
  } finally {
    await gateway.stop();
  }
});

/** The root fields media's SDL declares, in order. */
const mediaRootFields = (type: 'Query' | 'Mutation') =>
  loadSdl('media').document.definitions.flatMap((d) =>
    d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === type
      ? (d.fields ?? []).map((f) => f.name.value)
      : [],
  );

const fieldsOf = (type: string) => {
  const named = api.getType(type);
  if (!isObjectType(named)) throw new Error(`${type} is not an object type of the API schema`);
  return Object.keys(named.getFields());
};

describe('the supergraph', () => {
  it('composes from schema/media.graphql and schema/analytics.graphql without errors', () => {
    expect(composed.supergraphSdl.startsWith(SUPERGRAPH_HEADER)).toBe(true);
    expect(composed.supergraphSdl).toContain('@join__graph(name: "media"');
    expect(composed.supergraphSdl).toContain('@join__graph(name: "analytics"');
  });

  it('is committed as composed now', () => {
    const committed = readFileSync(new URL('./supergraph.graphql', import.meta.url), 'utf8');
    expect(
      committed === composed.supergraphSdl,
      'schema/supergraph.graphql is stale: run npm run compose and commit the result',
    ).toBe(true);
  });

  it('serves Flow.stats and the other analytics fields beside Flow.segments from media', () => {
    expect(fieldsOf('Flow')).toEqual(
      expect.arrayContaining([
        'id',
        'source',
        'segments',
        'stats',
        'coverage',
        'timeline',
        'segmentDurationStats',
        'ingest',
      ]),
    );
    expect(fieldsOf('FlowStats')).toEqual([
      'segmentCount',
      'totalDuration',
      'firstStart',
      'lastEnd',
      'lagSeconds',
      'ingestRate',
    ]);
  });

  it('exposes every Query and Mutation root field of media and analytics, and no federation internals', () => {
    expect(fieldsOf('Query')).toEqual(['analytics', ...mediaRootFields('Query')]);
    expect(fieldsOf('Mutation')).toEqual(mediaRootFields('Mutation'));
    expect(fieldsOf('Query')).toEqual(expect.arrayContaining(['flows', 'flow', 'sources', 'source']));
    expect(api.getType('_Entity')).toBeUndefined();
    expect(api.getType('_Service')).toBeUndefined();
    expect(api.getType('join__Graph')).toBeUndefined();
  });
});
