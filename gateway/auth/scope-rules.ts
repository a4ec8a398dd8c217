import type { Caller } from './caller.js';
import type { Scope } from './scopes.js';

/**
 * What an operation needs: one scope, or `any` (any scope at all: the caller is known). `admin` always
 * suffices, as TAMS AppNote 0016 (coarse-grained authorisation) recommends. This file is the scope
 * table of docs/security.md; tests keep it complete for every REST route and every GraphQL root field.
 */
export type Requirement = Scope | 'any';

/** How a refusal names what was needed ('any': one of the four; none in the table: admin). */
export function describeRequirement(requirement: Requirement | undefined): string {
  return requirement === 'any' ? 'read, write, delete or admin' : (requirement ?? 'admin');
}

export function allows(caller: Caller, requirement: Requirement): boolean {
  if (caller.scopes.has('admin')) return true;
  return requirement === 'any' ? caller.scopes.size > 0 : caller.scopes.has(requirement);
}

type RestMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** Every REST route of 7.0 and what each method needs (HEAD needs what GET does). AppNote 0016's table. */
export const REST_SCOPES: Readonly<Record<string, Readonly<Partial<Record<RestMethod, Requirement>>>>> = {
  '/': { GET: 'any' },
  '/service': { GET: 'any', POST: 'admin' },
  '/service/storage-backends': { GET: 'any' },
  '/service/webhooks': { GET: 'read', POST: 'write' },
  '/sources': { GET: 'read' },
  '/sources/{sourceId}': { GET: 'read' },
  '/sources/{sourceId}/tags': { GET: 'read' },
  '/sources/{sourceId}/tags/{name}': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/sources/{sourceId}/description': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/sources/{sourceId}/label': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows': { GET: 'read' },
  '/flows/{flowId}': { GET: 'read', PUT: 'write', DELETE: 'delete' },
  '/flows/{flowId}/tags': { GET: 'read' },
  '/flows/{flowId}/tags/{name}': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows/{flowId}/description': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows/{flowId}/label': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows/{flowId}/read_only': { GET: 'read', PUT: 'write' },
  '/flows/{flowId}/flow_collection': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows/{flowId}/max_bit_rate': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows/{flowId}/avg_bit_rate': { GET: 'read', PUT: 'write', DELETE: 'write' },
  '/flows/{flowId}/segments': { GET: 'read', POST: 'write', DELETE: 'delete' },
  '/flows/{flowId}/storage': { POST: 'write' },
  '/objects/{objectId}': { GET: 'read' },
  '/flow-delete-requests': { GET: 'admin' },
  '/flow-delete-requests/{request-id}': { GET: 'delete' },
};

/** Routes beyond 7.0 (the analytics paths of the replaced system, the Arrow exports). */
export const REST_EXTENSION_SCOPES: Readonly<
  Record<string, Readonly<Partial<Record<RestMethod, Requirement>>>>
> = {
  '/analytics/flow-usage': { GET: 'read' },
  '/analytics/storage-usage': { GET: 'read' },
  '/analytics/time-range-analysis': { GET: 'read' },
  // Arrow exports (gateway/export): what reading the same data through REST or GraphQL needs.
  '/export/flows/{flowId}/segments': { GET: 'read' },
  '/export/analytics/flow-usage': { GET: 'read' },
};

/** The REST requirement of a route and method; undefined (refuse) for anything not in the tables. */
export function restRequirement(path: string, method: string): Requirement | undefined {
  return (REST_SCOPES[path] ?? REST_EXTENSION_SCOPES[path])?.[
    (method === 'HEAD' ? 'GET' : method) as RestMethod
  ];
}

/**
 * Every GraphQL root field and what it needs, matching the REST route that runs it. Whatever a root
 * field returns is readable under it: a mutation's payload shows what was written.
 */
export const GRAPHQL_SCOPES: Readonly<
  Record<'Query' | 'Mutation' | 'Subscription', Readonly<Record<string, Requirement>>>
> = {
  Query: {
    __typename: 'any',
    __schema: 'any',
    __type: 'any',
    service: 'any',
    storageBackends: 'any',
    sources: 'read',
    source: 'read',
    flows: 'read',
    flow: 'read',
    segments: 'read',
    mediaObject: 'read',
    webhooks: 'read',
    flowDeleteRequests: 'admin',
    flowDeleteRequest: 'delete',
    // The store's event feed: what flows and sources changed, as a reader may list them anyway.
    storeEvent: 'read',
    // Figures about flows and objects a reader may list anyway (the analytics subgraph).
    analytics: 'read',
    // Federation's entry points on a subgraph: only the gateway calls them, for a root field it checked.
    _entities: 'any',
    _service: 'any',
  },
  Mutation: {
    __typename: 'any',
    putFlow: 'write',
    deleteFlow: 'delete',
    setFlowLabel: 'write',
    setFlowDescription: 'write',
    setFlowTag: 'write',
    setFlowReadOnly: 'write',
    setFlowCollection: 'write',
    setFlowBitRate: 'write',
    setSourceLabel: 'write',
    setSourceDescription: 'write',
    setSourceTag: 'write',
    allocateStorage: 'write',
    addSegments: 'write',
    deleteSegments: 'delete',
    registerWebhook: 'write',
    setServiceInfo: 'admin',
  },
  // Each event runs the field's Query lookup (flow, source, storeEvent, analytics): the same scope.
  Subscription: {
    __typename: 'any',
    flowUpdated: 'read',
    sourceUpdated: 'read',
    flowStats: 'read',
    storeEvents: 'read',
    storeTotals: 'read',
  },
};
