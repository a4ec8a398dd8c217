import type { MutationResolvers } from '../__generated__/resolvers-types.js';
import { deleteFlow, deleteSegments } from '../domain/deletion.js';
import type { DeletionOutcome } from '../domain/deletion.js';
import {
  putFlow,
  setFlowBitRate,
  setFlowCollection,
  setFlowDescription,
  setFlowLabel,
  setFlowReadOnly,
  setFlowTag,
} from '../domain/flows.js';
import { addSegments } from '../domain/segments.js';
import { writeServiceInfo } from '../domain/service-info.js';
import { setSourceDescription, setSourceLabel, setSourceTag } from '../domain/sources.js';
import { allocateStorage } from '../domain/storage-allocation.js';
import { registerWebhook } from '../domain/webhooks.js';
import type { MediaContext } from '../context.js';

function deletionResult(outcome: DeletionOutcome, ctx: MediaContext) {
  // Work left for the background: a delete request, or objects to garbage-collect.
  if (!outcome.done || outcome.orphanCandidates.length) ctx.backgroundWork();
  return { done: outcome.done, request: outcome.request };
}

export const Mutation: MutationResolvers = {
  putFlow: (_, { id, flow }, ctx) => putFlow(ctx.store, id, flow, ctx.principal),
  deleteFlow: async (_, { id }, ctx) => deletionResult(await deleteFlow(ctx.store, id, ctx.principal), ctx),
  setFlowLabel: (_, { id, label }, ctx) => setFlowLabel(ctx.store, id, label ?? null, ctx.principal),
  setFlowDescription: (_, { id, description }, ctx) =>
    setFlowDescription(ctx.store, id, description ?? null, ctx.principal),
  setFlowTag: (_, { id, name, value }, ctx) => setFlowTag(ctx.store, id, name, value ?? null, ctx.principal),
  setFlowReadOnly: (_, { id, readOnly }, ctx) => setFlowReadOnly(ctx.store, id, readOnly, ctx.principal),
  setFlowCollection: (_, { id, items }, ctx) =>
    setFlowCollection(ctx.store, id, items ?? null, ctx.principal),
  setFlowBitRate: (_, { id, kind, value }, ctx) =>
    setFlowBitRate(ctx.store, id, kind, value ?? null, ctx.principal),
  setSourceLabel: (_, { id, label }, ctx) => setSourceLabel(ctx.store, id, label ?? null, ctx.principal),
  setSourceDescription: (_, { id, description }, ctx) =>
    setSourceDescription(ctx.store, id, description ?? null, ctx.principal),
  setSourceTag: (_, { id, name, value }, ctx) =>
    setSourceTag(ctx.store, id, name, value ?? null, ctx.principal),
  allocateStorage: async (_, { flowId, input }, ctx) => ({
    mediaObjects: await allocateStorage(ctx.store, flowId, input),
  }),
  addSegments: async (_, { flowId, segments }, ctx) => {
    const { failed } = await addSegments(ctx.store, flowId, segments);
    return {
      failed: failed.map((f) => ({
        index: f.index,
        objectId: f.objectId,
        timerange: f.timerange,
        error: { type: f.code, summary: f.message, time: ctx.store.now() },
      })),
    };
  },
  deleteSegments: async (_, { flowId, timerange, objectId }, ctx) =>
    deletionResult(
      await deleteSegments(ctx.store, flowId, timerange ?? null, objectId ?? null, ctx.principal),
      ctx,
    ),
  registerWebhook: (_, { input }, ctx) => registerWebhook(ctx.store, input, ctx.principal),
  // Argument presence matters here: an absent argument leaves the field, an explicit null clears it.
  setServiceInfo: (_, args, ctx) => writeServiceInfo(ctx.store, args),
};
