/** What the README's GraphQL session observes on any correctly deployed store (see scenario.ts). */
export const EXPECTED_SCENARIO = {
  created: {
    putFlow: {
      created: true,
      flow: { id: '<flow>', format: 'VIDEO', source: { id: '<source>', format: 'VIDEO' } },
    },
  },
  added: { addSegments: { failed: [{ index: 2, error: { type: 'SEGMENT_OVERLAP' } }] } },
  listing: {
    timerange: '[0:0_20:0)',
    stats: { segmentCount: 2 },
    segments: [
      { timerange: '[0:0_10:0)', urls: 1, presigned: true },
      { timerange: '[10:0_20:0)', urls: 1, presigned: true },
    ],
  },
  errors: { unknownFlow: 'NOT_FOUND', badTimerange: 'BAD_USER_INPUT', overlap: 'SEGMENT_OVERLAP' },
  deleted: { deleteFlow: { done: true } },
  afterDelete: { flow: null, source: null },
};
