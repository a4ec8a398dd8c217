import { randomUUID } from 'node:crypto';

/**
 * One operation per GraphQL root field, harmless whoever runs it: ids are fresh, so a caller with the
 * scope gets NOT_FOUND or an empty answer, never a change to the store.
 */
export function operationPerRootField(): Record<
  'Query' | 'Mutation',
  Record<string, { query: string; variables?: object }>
> {
  const id = randomUUID();
  return {
    Query: {
      service: { query: '{ service { name } }' },
      storageBackends: { query: '{ storageBackends { id } }' },
      sources: { query: '{ sources(limit: 1) { nodes { id } } }' },
      source: { query: `{ source(id: "${id}") { id } }` },
      flows: { query: '{ flows(limit: 1) { nodes { id } } }' },
      flow: { query: `{ flow(id: "${id}") { id } }` },
      segments: { query: `{ segments(flowId: "${id}") { nodes { objectId } } }` },
      mediaObject: { query: `{ mediaObject(id: "${id}") { id } }` },
      webhooks: { query: '{ webhooks { url } }' },
      flowDeleteRequests: { query: '{ flowDeleteRequests { id } }' },
      flowDeleteRequest: { query: `{ flowDeleteRequest(id: "${id}") { id } }` },
      storeEvent: { query: `{ storeEvent(position: "1") { position } }` },
      analytics: { query: '{ analytics { flowUsage { totalFlows } } }' },
    },
    Mutation: {
      putFlow: {
        query: 'mutation($id: ID!, $f: FlowInput!) { putFlow(id: $id, flow: $f) { created } }',
        // Refused by the domain (the source id is not a UUID) after the scope check.
        variables: { id, f: { sourceId: 'not-a-uuid', format: 'MULTI' } },
      },
      deleteFlow: { query: `mutation { deleteFlow(id: "${id}") { done } }` },
      setFlowLabel: { query: `mutation { setFlowLabel(id: "${id}", label: "x") { id } }` },
      setFlowDescription: { query: `mutation { setFlowDescription(id: "${id}", description: "x") { id } }` },
      setFlowTag: { query: `mutation { setFlowTag(id: "${id}", name: "a", value: "b") { id } }` },
      setFlowReadOnly: { query: `mutation { setFlowReadOnly(id: "${id}", readOnly: true) { id } }` },
      setFlowCollection: { query: `mutation { setFlowCollection(id: "${id}", items: []) { id } }` },
      setFlowBitRate: { query: `mutation { setFlowBitRate(id: "${id}", kind: MAXIMUM, value: 5) { id } }` },
      setSourceLabel: { query: `mutation { setSourceLabel(id: "${id}", label: "x") { id } }` },
      setSourceDescription: {
        query: `mutation { setSourceDescription(id: "${id}", description: "x") { id } }`,
      },
      setSourceTag: { query: `mutation { setSourceTag(id: "${id}", name: "a", value: "b") { id } }` },
      allocateStorage: {
        query: `mutation { allocateStorage(flowId: "${id}", input: { limit: 1 }) { mediaObjects { objectId } } }`,
      },
      addSegments: {
        query: `mutation { addSegments(flowId: "${id}", segments: [{ objectId: "o", timerange: "[0:0_1:0)" }]) { failed { index } } }`,
      },
      deleteSegments: { query: `mutation { deleteSegments(flowId: "${id}") { done } }` },
      registerWebhook: {
        query: 'mutation($i: WebhookInput!) { registerWebhook(input: $i) { status } }',
        // Refused by the domain (not an http(s) URL) after the scope check.
        variables: { i: { url: 'ftp://receiver.example/hook', events: ['flows/created'] } },
      },
      setServiceInfo: { query: 'mutation { setServiceInfo { name } }' },
    },
  };
}
