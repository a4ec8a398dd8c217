import type { OutboxEvent, Row } from '../../lib/executor/index.js';

/** What each GraphQL type's resolvers receive as their parent: rows of the executor, mostly as read. */
export type FlowParent = Row<'flows'>;
export type SourceParent = Row<'sources'>;
export type SegmentParent = Row<'segments'>;
export type FlowCollectionItemParent = Row<'flow_collection_items'>;
export type StorageBackendParent = Row<'storage_backends'>;
export type FlowDeleteRequestParent = Row<'flow_delete_requests'>;
export type WebhookParent = Row<'webhooks'>;

export interface MediaObjectParent {
  readonly id: string;
  readonly firstReferencedByFlow: string | null;
}

export interface ServiceParent {
  readonly name: string | null;
  readonly description: string | null;
}

/** A store event: its outbox row (resolvers read the payload for what the event changed). */
export type StoreEventParent = OutboxEvent;
