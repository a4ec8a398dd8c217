/**
 * The eight event types of TAMS 7.0, written out here on purpose rather than taken from the
 * production list, so that tests check the store against an independent copy.
 */
export const ALL_TYPES: readonly string[] = [
  'flows/created',
  'flows/updated',
  'flows/deleted',
  'flows/segments_added',
  'flows/segments_deleted',
  'sources/created',
  'sources/updated',
  'sources/deleted',
];
