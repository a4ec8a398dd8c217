import type { Resolvers } from '../__generated__/resolvers-types.js';
import { DateTimeScalar, JSONScalar, LongScalar, TimeRangeScalar, TimestampScalar } from '../scalars.js';
import { Flow, FlowCollectionItem } from './flow.js';
import { FlowDeleteRequest } from './flow-delete-request.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { MediaObject, Segment } from './segment.js';
import { Service, StorageBackend } from './service.js';
import { Source } from './source.js';
import { StoreEvent, storeEvent } from './store-event.js';
import { Webhook } from './webhook.js';

export const resolvers: Resolvers = {
  Timestamp: TimestampScalar,
  TimeRange: TimeRangeScalar,
  DateTime: DateTimeScalar,
  Long: LongScalar,
  JSON: JSONScalar,
  Query: { ...Query, storeEvent },
  Mutation,
  Flow,
  FlowCollectionItem,
  Source,
  Segment,
  MediaObject,
  Service,
  StorageBackend,
  Webhook,
  FlowDeleteRequest,
  StoreEvent,
  EssenceParameters: {
    __resolveType: (e) => (e as unknown as { __typename: 'VideoEssenceParameters' }).__typename,
  },
};
