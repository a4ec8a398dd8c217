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
  putFlow: (_, { id, flow }, ctx) => putFlow(ctx.repository, id, flow, ctx.principal),
  deleteFlow: async (_, { id }, ctx) =>
    deletionResult(await deleteFlow(ctx.repository, id, ctx.principal), ctx),
  setFlowLabel: (_, { id, label }, ctx) => setFlowLabel(ctx.repository, id, label ?? null, ctx.principal),
  setFlowDescription: (_, { id, description }, ctx) =>
    setFlowDescription(ctx.repository, id, description ?? null, ctx.principal),
  setFlowTag: (_, { id, name, value }, ctx) =>
    setFlowTag(ctx.repository, id, name, value ?? null, ctx.principal),
  setFlowReadOnly: (_, { id, readOnly }, ctx) => setFlowReadOnly(ctx.repository, id, readOnly, ctx.principal),
  setFlowCollection: (_, { id, items }, ctx) =>
    setFlowCollection(ctx.repository, id, items ?? null, ctx.principal),
  setFlowBitRate: (_, { id, kind, value }, ctx) =>
    setFlowBitRate(ctx.repository, id, kind, value ?? null, ctx.principal),
  setSourceLabel: (_, { id, label }, ctx) => setSourceLabel(ctx.repository, id, label ?? null, ctx.principal),
  setSourceDescription: (_, { id, description }, ctx) =>
    setSourceDescription(ctx.repository, id, description ?? null, ctx.principal),
  setSourceTag: (_, { id, name, value }, ctx) =>
    setSourceTag(ctx.repository, id, name, value ?? null, ctx.principal),
  allocateStorage: async (_, { flowId, input }, ctx) => ({
    mediaObjects: await allocateStorage(ctx.repository, flowId, input),
  }),
  addSegments: async (_, { flowId, segments }, ctx) => {
    const { failed } = await addSegments(ctx.repository, flowId, segments);
    return {
      failed: failed.map((f) => ({
        index: f.index,
        objectId: f.objectId,
        timerange: f.timerange,
        error: { type: f.code, summary: f.message, time: ctx.repository.now() },
      })),
    };
  },
  deleteSegments: async (_, { flowId, timerange, objectId }, ctx) =>
    deletionResult(
      await deleteSegments(ctx.repository, flowId, timerange ?? null, objectId ?? null, ctx.principal),
      ctx,
    ),
  registerWebhook: (_, { input }, ctx) => registerWebhook(ctx.repository, input, ctx.principal),
  // Argument presence matters here: an absent argument leaves the field, an explicit null clears it.
  setServiceInfo: (_, args, ctx) => writeServiceInfo(ctx.repository, args),
};
