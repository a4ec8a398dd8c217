import type { FlowDeleteRequestResolvers } from '../__generated__/resolvers-types.js';

export const FlowDeleteRequest: FlowDeleteRequestResolvers = {
  flowId: (r) => r.flow_id,
  timerangeToDelete: (r) => r.timerange_to_delete,
  timerangeRemaining: (r) => r.timerange_remaining,
  deleteFlow: (r) => r.delete_flow,
  status: (r) => r.status.toUpperCase() as 'CREATED' | 'STARTED' | 'DONE' | 'ERROR',
  createdBy: (r) => r.created_by,
  error: (r) => {
    const e = r.error as { type?: string; summary?: string; time?: string } | null;
    return e
      ? { type: e.type ?? 'Error', summary: e.summary ?? '', time: new Date(e.time ?? r.updated) }
      : null;
  },
};
