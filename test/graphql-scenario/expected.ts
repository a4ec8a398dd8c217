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
  analytics: {
    flow: {
      stats: { segmentCount: 2, totalDuration: 20, firstStart: '0:0', lastEnd: '20:0' },
      coverage: {
        timerange: '[0:0_30:0)',
        coveredSeconds: 20,
        ratio: 20 / 30,
        gapCount: 1,
        gaps: [{ timerange: '[20:0_30:0)', seconds: 10 }],
      },
      timeline: [
        { timerange: '[0:0_10:0)', segmentCount: 1, coveredSeconds: 10 },
        { timerange: '[10:0_20:0)', segmentCount: 1, coveredSeconds: 10 },
      ],
      segmentDurationStats: { count: 2, mean: 10, percentiles: [{ p: 0.5, value: 10 }] },
      source: { stats: { flowCount: 1, segmentCount: 2, totalDuration: 20 } },
    },
  },
  errors: { unknownFlow: 'NOT_FOUND', badTimerange: 'BAD_USER_INPUT', overlap: 'SEGMENT_OVERLAP' },
  deleted: { deleteFlow: { done: true } },
  afterDelete: { flow: null, source: null },
};
