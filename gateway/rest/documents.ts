/** The GraphQL operations behind the REST routes, with fragments selecting exactly what TAMS JSON shows. */

const CONTAINER_MAPPING = `trackIndex formatTrackIndex audioTrack { channelNumbers channelRange } mp2tsPid mxfPackageUid mxfTrackId isobmffTrackId`;

export const FLOW_FIELDS = `
  id sourceId format codec container label description readOnly generation created createdBy updatedBy
  metadataUpdated metadataVersion segmentsUpdated avgBitRate maxBitRate additionalProperties collectedBy
  tags { name value }
  segmentDuration { numerator denominator }
  containerMapping { ${CONTAINER_MAPPING} }
  flowCollection { id role containerMapping { ${CONTAINER_MAPPING} } }
  essenceParameters {
    __typename
    ... on VideoEssenceParameters {
      frameRate { numerator denominator } frameWidth frameHeight bitDepth interlaceMode colorspace
      transferCharacteristic aspectRatio { numerator denominator } pixelAspectRatio { numerator denominator }
      componentType horizChromaSubs vertChromaSubs uncType avcParameters { profile level flags }
    }
    ... on AudioEssenceParameters { sampleRate channels bitDepth codedFrameSize mp4Oti uncType }
    ... on ImageEssenceParameters { frameWidth frameHeight aspectRatio { numerator denominator } }
    ... on DataEssenceParameters { dataType }
  }`;

export const SOURCE_FIELDS = `id format label description created createdBy updated updatedBy tags { name value }
  sourceCollection { id role } collectedBy`;

export const DELETE_REQUEST_FIELDS = `id flowId timerangeToDelete timerangeRemaining deleteFlow status created createdBy updated expiry
  error { type summary time }`;

export const GET_URL_FIELDS = `url label presigned controlled storageId storeType provider region availabilityZone storeProduct`;

export const FLOW = `query($id: ID!, $within: TimeRange, $withTimerange: Boolean!) {
  flow(id: $id) { ${FLOW_FIELDS} timerange(within: $within) @include(if: $withTimerange) }
}`;

export const FLOWS = `query($filter: FlowFilter, $limit: Int, $after: String) {
  flows(filter: $filter, limit: $limit, after: $after) { nodes { ${FLOW_FIELDS} } pageInfo { endCursor limit } }
}`;

export const SOURCE = `query($id: ID!) { source(id: $id) { ${SOURCE_FIELDS} } }`;

export const SOURCES = `query($filter: SourceFilter, $limit: Int, $after: String) {
  sources(filter: $filter, limit: $limit, after: $after) { nodes { ${SOURCE_FIELDS} } pageInfo { endCursor limit } }
}`;

export const SEGMENTS = `query($id: ID!, $timerange: TimeRange, $objectId: String, $reverse: Boolean, $limit: Int, $after: String,
  $labels: [String!], $storageIds: [ID!], $presigned: Boolean) {
  flow(id: $id) {
    segments(timerange: $timerange, objectId: $objectId, reverseOrder: $reverse, limit: $limit, after: $after) {
      nodes {
        objectId timerange tsOffset lastDuration sampleOffset sampleCount keyFrameCount
        getUrls(acceptLabels: $labels, acceptStorageIds: $storageIds, presigned: $presigned) { ${GET_URL_FIELDS} }
      }
      pageInfo { endCursor limit }
      timerange
    }
  }
}`;

export const PUT_FLOW = `mutation($id: ID!, $flow: FlowInput!) {
  putFlow(id: $id, flow: $flow) { created flow { ${FLOW_FIELDS} } }
}`;

export const DELETE_FLOW = `mutation($id: ID!) { deleteFlow(id: $id) { done request { ${DELETE_REQUEST_FIELDS} } } }`;

export const ADD_SEGMENTS = `mutation($id: ID!, $segments: [SegmentInput!]!) {
  addSegments(flowId: $id, segments: $segments) { failed { index objectId timerange error { type summary time } } }
}`;

export const DELETE_SEGMENTS = `mutation($id: ID!, $timerange: TimeRange, $objectId: String) {
  deleteSegments(flowId: $id, timerange: $timerange, objectId: $objectId) { done request { ${DELETE_REQUEST_FIELDS} } }
}`;

export const ALLOCATE = `mutation($id: ID!, $input: StorageAllocationInput) {
  allocateStorage(flowId: $id, input: $input) { mediaObjects { objectId putUrl { url contentType headers } } }
}`;

export const MEDIA_OBJECT = `query($id: String!, $limit: Int, $after: String) {
  mediaObject(id: $id) { id firstReferencedByFlow referencedByFlows(limit: $limit, after: $after) { nodes pageInfo { endCursor limit } } }
}`;

export const SERVICE = `{ service { type apiVersion serviceVersion name description eventStreamMechanisms { name docs config } } }`;
export const SET_SERVICE = `mutation($name: String, $description: String) { setServiceInfo(name: $name, description: $description) { name } }`;
export const SET_SERVICE_NAME = `mutation($name: String) { setServiceInfo(name: $name) { name } }`;
export const SET_SERVICE_DESCRIPTION = `mutation($description: String) { setServiceInfo(description: $description) { name } }`;

export const STORAGE_BACKENDS = `{ storageBackends { id storeType provider storeProduct label region availabilityZone defaultStorage } }`;

export const WEBHOOKS = `{ webhooks { url apiKeyName events flowIds sourceIds flowCollectedByIds sourceCollectedByIds acceptGetUrls
  acceptStorageIds presigned verboseStorage } }`;
export const REGISTER_WEBHOOK = `mutation($input: WebhookInput!) { registerWebhook(input: $input) { status } }`;

export const DELETE_REQUESTS = `{ flowDeleteRequests { ${DELETE_REQUEST_FIELDS} } }`;
export const DELETE_REQUEST = `query($id: ID!) { flowDeleteRequest(id: $id) { ${DELETE_REQUEST_FIELDS} } }`;
