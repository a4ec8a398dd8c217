import { buildASTSchema, parse } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { EXPORT_PATHS } from '../export/export-sources.js';
import { EXTENSION_ROUTES, REST_ROUTES } from '../rest/routes/index.js';
import { loadSdl } from '../../subgraphs/sdl.js';
import type { Caller } from './caller.js';
import { requirementsOf, rootFields } from './operation-scopes.js';
import {
  allows,
  GRAPHQL_SCOPES,
  REST_EXTENSION_SCOPES,
  REST_SCOPES,
  restRequirement,
} from './scope-rules.js';
import type { Scope } from './scopes.js';

const caller = (...scopes: Scope[]): Caller => ({
  principal: 'x',
  scopes: new Set(scopes),
  scheme: 'api-token',
});

describe('the scope table', () => {
  it('names every REST route and method the shim serves, and nothing else', () => {
    const served = REST_ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.path}`));
    const table = Object.entries(REST_SCOPES).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m} ${path}`),
    );
    expect(table.sort()).toEqual(served.sort());
  });

  it('names every extension route (analytics paths, Arrow exports) and nothing else', () => {
    const served = [
      ...EXTENSION_ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.path}`)),
      ...Object.values(EXPORT_PATHS).map((path) => `GET ${path}`),
    ];
    const table = Object.entries(REST_EXTENSION_SCOPES).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m} ${path}`),
    );
    expect(table.sort()).toEqual(served.sort());
    // The segment export reads what the segment listing reads.
    expect(restRequirement(EXPORT_PATHS.flowSegments, 'GET')).toBe(
      restRequirement('/flows/{flowId}/segments', 'GET'),
    );
  });

  it('names every root field of the supergraph', () => {
    const schema = buildASTSchema(parse(loadSdl('supergraph').text), { assumeValidSDL: true });
    for (const type of ['Query', 'Mutation', 'Subscription'] as const) {
      const fields = Object.keys(
        schema.getType(type) ? (schema.getType(type) as { getFields(): object }).getFields() : {},
      );
      for (const field of fields) expect(GRAPHQL_SCOPES[type], `${type}.${field}`).toHaveProperty(field);
    }
  });

  it('lets admin do everything, and each other scope only its part', () => {
    expect(allows(caller('admin'), 'delete')).toBe(true);
    expect(allows(caller('read'), 'write')).toBe(false);
    expect(allows(caller('write'), 'any')).toBe(true);
    expect(allows(caller(), 'any')).toBe(false);
    expect(restRequirement('/flows/{flowId}', 'HEAD')).toBe('read');
    expect(restRequirement('/flows/{flowId}', 'PATCH')).toBeUndefined();
  });
});

describe('root fields of an operation', () => {
  it('are found through inline fragments and fragment spreads, also cyclic ones', () => {
    const document = parse(`
      query Q { ...A ... on Query { flow(id: "x") { id } } }
      fragment A on Query { sources { nodes { id } } ...B }
      fragment B on Query { service { name } ...A }
    `);
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect([...rootFields(document, operation)].sort()).toEqual(['flow', 'service', 'sources']);
  });

  it('need admin when a field is not in the table', () => {
    const document = parse('mutation { somethingNew }');
    expect(requirementsOf(document, document.definitions[0] as OperationDefinitionNode)).toEqual(
      new Map([['somethingNew', 'admin']]),
    );
  });
});
