/** A flow as the analytics subgraph sees it: only its key (the media subgraph owns the entity). */
export interface FlowRef {
  readonly id: string;
}

/** Stats are computed lazily per field, from the flow they belong to. */
export interface FlowStatsParent {
  readonly flowId: string;
}
