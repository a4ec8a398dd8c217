import { readdirSync, readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { Kind, specifiedRules, validate } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSdl } from '../../subgraphs/sdl.js';
import { gatewayValidationRules } from '../limits/index.js';
import { fragmentShapeError } from '../limits/fragments.js';
import * as operations from './__generated__/operations.js';

/**
 * The REST shim's operations are valid against the API schema of the composed supergraph (what
 * clients see, not the supergraph's join machinery), within the limits every transport applies, and
 * each one is run by a route. codegen validates them against schema/supergraph.graphql as it compiles
 * them; this checks the stricter schema and the gateway's own rules.
 */

const documents = Object.entries(operations)
  .filter(([name]) => name.endsWith('Document'))
  .map(([name, document]) => [name, document as DocumentNode] as const);

let api: GraphQLSchema;
beforeAll(async () => {
  const gateway = new ApolloGateway({ supergraphSdl: loadSdl('supergraph').text });
  try {
    api = (await gateway.load()).schema;
  } finally {
    await gateway.stop();
  }
});

describe('the REST operations', () => {
  it('are one document per operation in operations/*.graphql', () => {
    const declared = readdirSync(new URL('./operations/', import.meta.url))
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) => [
        ...readFileSync(new URL(`./operations/${f}`, import.meta.url), 'utf8').matchAll(
          /^(?:query|mutation) (\w+)/gm,
        ),
      ])
      .map((m) => `${m[1]}Document`);
    expect(documents.map(([name]) => name).sort()).toEqual(declared.sort());
    expect(documents.length).toBeGreaterThan(25);
  });

  it('validate against the composed API schema with the gateway’s limits', () => {
    for (const [name, document] of documents) {
      expect(validate(api, document, [...specifiedRules, ...gatewayValidationRules()]), name).toEqual([]);
      expect(fragmentShapeError(document), name).toBeUndefined();
    }
  });

  it('each hold one named operation', () => {
    for (const [name, document] of documents) {
      const ops = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      expect(
        ops.map((o) => o.name?.value && `${o.name.value}Document`),
        name,
      ).toEqual([name]);
    }
  });

  it('are each run by a route', () => {
    const routes = readdirSync(new URL('./routes/', import.meta.url))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(new URL(`./routes/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    for (const [name] of documents)
      expect(routes, `${name} is run by no route`).toMatch(new RegExp(`\\brun\\(${name}\\b`));
  });
});
