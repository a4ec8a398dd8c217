import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaHarness } from './test-support/media-harness.js';
import { openMediaHarness } from './test-support/media-harness.js';
import { createFlow, eventsSince, lastEventSeq, PUT_FLOW, videoFlow } from './test-support/operations.js';

let h: MediaHarness;
beforeAll(async () => {
  h = await openMediaHarness();
});
afterAll(async () => {
  await h.close();
});

const FLOW = `query Flow($id: ID!) {
  flow(id: $id) {
    id sourceId format codec container label description readOnly generation created createdBy updatedBy
    metadataUpdated metadataVersion segmentsUpdated avgBitRate maxBitRate timerange additionalProperties
    tags { name value } tag(name: "genre")
    segmentDuration { numerator denominator }
    containerMapping { trackIndex audioTrack { channelNumbers channelRange } mxfPackageUid }
    essenceParameters {
      __typename
      ... on VideoEssenceParameters { frameWidth frameHeight frameRate { numerator denominator } interlaceMode colorspace componentType uncType avcParameters { profile level flags } }
      ... on AudioEssenceParameters { sampleRate channels bitDepth codedFrameSize uncType }
      ... on DataEssenceParameters { dataType }
    }
    source { id format created }
  }
}`;

describe('creating and replacing flows', () => {
  it('creates a flow with its source, returns every property, and records both events', async () => {
    const before = await lastEventSeq(h);
    const id = randomUUID();
    const flow = videoFlow({
      label: 'Camera 1',
      description: 'Studio A',
      tags: [{ name: 'genre', value: 'news' }],
      generation: 0,
      avgBitRate: 5000,
      maxBitRate: 8000,
      segmentDuration: { numerator: 2 },
      containerMapping: { trackIndex: 0, audioTrack: { channelNumbers: [0, 1] } },
      video: {
        frameWidth: 1920,
        frameHeight: 1080,
        frameRate: { numerator: 50 },
        interlaceMode: 'INTERLACED_TFF',
        colorspace: 'BT709',
        componentType: 'YCBCR',
        uncType: 'v210',
        avcParameters: { profile: 100, level: 40, flags: 0 },
      },
      additionalProperties: { vendor_hint: { x: 1 } },
    });
    const put = await h.run<{ putFlow: { created: boolean } }>(PUT_FLOW, { id, flow });
    expect(put.data!.putFlow.created).toBe(true);
    const { data } = await h.run<{ flow: Record<string, unknown> }>(FLOW, { id });
    expect(data!.flow).toMatchObject({
      id,
      sourceId: flow.sourceId,
      format: 'VIDEO',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: 'Camera 1',
      // Never set: null (writable), not a default false.
      readOnly: null,
      generation: 0,
      createdBy: 'tester',
      updatedBy: 'tester',
      segmentsUpdated: null,
      avgBitRate: 5000,
      timerange: '()',
      tags: [{ name: 'genre', value: 'news' }],
      tag: 'news',
      segmentDuration: { numerator: 2, denominator: 1 },
      containerMapping: {
        trackIndex: 0,
        audioTrack: { channelNumbers: [0, 1], channelRange: null },
        mxfPackageUid: null,
      },
      essenceParameters: {
        __typename: 'VideoEssenceParameters',
        frameWidth: 1920,
        frameRate: { numerator: 50, denominator: 1 },
        interlaceMode: 'INTERLACED_TFF',
        colorspace: 'BT709',
        componentType: 'YCBCR',
        uncType: 'v210',
        avcParameters: { profile: 100, level: 40, flags: 0 },
      },
      additionalProperties: { vendor_hint: { x: 1 } },
      source: { id: flow.sourceId, format: 'VIDEO' },
    });
    const events = await eventsSince(h, before);
    expect(events.map((e) => e.type)).toEqual(['sources/created', 'flows/created']);
    expect(events[1]!.payload).toMatchObject({
      flow: {
        id,
        source_id: flow.sourceId,
        format: 'urn:x-nmos:format:video',
        tags: { genre: 'news' },
        essence_parameters: {
          frame_width: 1920,
          interlace_mode: 'interlaced_tff',
          component_type: 'YCbCr',
          unc_parameters: { unc_type: 'v210' },
        },
        container_mapping: { track_index: 0, audio_track: { channel_numbers: [0, 1] } },
        vendor_hint: { x: 1 },
      },
    });
  });

  it('replaces a flow fully: omitted properties become unset, managed ones are kept', async () => {
    const id = randomUUID();
    const flow = videoFlow({ label: 'first', tags: [{ name: 'a', value: '1' }], avgBitRate: 10 });
    await h.run(PUT_FLOW, { id, flow });
    const before = (await h.run<{ flow: { created: string; metadataVersion: string } }>(FLOW, { id })).data!
      .flow;
    const before2 = await lastEventSeq(h);
    const put = await h.run<{ putFlow: { created: boolean } }>(PUT_FLOW, {
      id,
      flow: { ...flow, label: 'second', tags: null, avgBitRate: null },
    });
    expect(put.data!.putFlow.created).toBe(false);
    const after = (await h.run<{ flow: Record<string, unknown> }>(FLOW, { id })).data!.flow;
    expect(after).toMatchObject({ label: 'second', tags: null, avgBitRate: null, created: before.created });
    expect(after.metadataVersion).not.toBe(before.metadataVersion);
    expect((await eventsSince(h, before2)).map((e) => e.type)).toEqual(['flows/updated']);
  });

  it('refuses to change a flow’s source or format, and a second format on one source', async () => {
    const id = await createFlow(h);
    const { data } = await h.run<{ flow: { sourceId: string } }>(FLOW, { id });
    expect(await h.errorCode(PUT_FLOW, { id, flow: videoFlow() })).toBe('IMMUTABLE_PROPERTY');
    expect(
      await h.errorCode(PUT_FLOW, {
        id,
        flow: {
          sourceId: data!.flow.sourceId,
          format: 'AUDIO',
          codec: 'audio/aac',
          audio: { sampleRate: 48000, channels: 2 },
        },
      }),
    ).toBe('IMMUTABLE_PROPERTY');
    expect(
      await h.errorCode(PUT_FLOW, {
        id: randomUUID(),
        flow: {
          sourceId: data!.flow.sourceId,
          format: 'AUDIO',
          codec: 'audio/aac',
          audio: { sampleRate: 48000, channels: 2 },
        },
      }),
    ).toBe('SOURCE_FORMAT_MISMATCH');
  });

  it('validates the input and writes nothing when it is bad', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['no codec', { codec: null }],
      ['bad MIME codec', { codec: 'h264' }],
      ['bad container', { container: 'video mp2t' }],
      ['essence of another format', { audio: { sampleRate: 1, channels: 1 } }],
      ['no essence', { video: null }],
      ['zero width', { video: { frameWidth: 0, frameHeight: 1 } }],
      ['bad unc type', { video: { frameWidth: 1, frameHeight: 1, uncType: 'bogus' } }],
      ['negative bit rate', { avgBitRate: -1 }],
      ['zero segment duration', { segmentDuration: { numerator: 0 } }],
      [
        'duplicate tag',
        {
          tags: [
            { name: 'a', value: '1' },
            { name: 'a', value: '2' },
          ],
        },
      ],
      ['control character in tag name', { tags: [{ name: 'a\nb', value: '1' }] }],
      ['modelled property smuggled in', { additionalProperties: { label: 'x' } }],
      ['bad channel range', { containerMapping: { audioTrack: { channelRange: '1-2' } } }],
      // Rules the REST shim used to apply alone; the domain has them now, for GraphQL too.
      ['negative MPEG-TS pid', { containerMapping: { mp2tsPid: -1 } }],
      ['negative MXF track id', { containerMapping: { mxfTrackId: -1 } }],
      ['negative ISOBMFF track id', { containerMapping: { isobmffTrackId: -1 } }],
      [
        'negative pid of a collection member',
        { flowCollection: [{ id: randomUUID(), role: 'r', containerMapping: { mp2tsPid: -1 } }] },
      ],
      [
        'negative coded frame size',
        {
          format: 'AUDIO',
          codec: 'audio/aac',
          video: null,
          audio: { sampleRate: 1, channels: 1, codedFrameSize: -1 },
        },
      ],
      [
        'negative MP4 object type',
        {
          format: 'AUDIO',
          codec: 'audio/aac',
          video: null,
          audio: { sampleRate: 1, channels: 1, mp4Oti: -1 },
        },
      ],
      ['self in collection', {}],
    ];
    for (const [why, overrides] of cases) {
      const id = randomUUID();
      const flow = videoFlow(overrides);
      if (why === 'self in collection') flow.flowCollection = [{ id, role: 'self' }];
      const code = await h.errorCode(PUT_FLOW, { id, flow });
      expect(code, why).toBe('BAD_REQUEST');
      expect((await h.run<{ flow: unknown }>(FLOW, { id })).data!.flow, why).toBeNull();
      expect(
        await h.executor.count('sources', { op: 'eq', column: 'id', value: flow.sourceId as string }),
        why,
      ).toBe(0);
    }
    expect(await h.errorCode(PUT_FLOW, { id: 'NOT-A-UUID', flow: videoFlow() })).toBe('INVALID_ID');
    expect(await h.errorCode(PUT_FLOW, { id: randomUUID().toUpperCase(), flow: videoFlow() })).toBe(
      'INVALID_ID',
    );
  });

  it('accepts multi-essence and data flows without codec rules they do not have', async () => {
    await h.run(PUT_FLOW, { id: randomUUID(), flow: { sourceId: randomUUID(), format: 'MULTI' } });
    const id = randomUUID();
    await h.run(PUT_FLOW, {
      id,
      flow: {
        sourceId: randomUUID(),
        format: 'DATA',
        codec: 'application/json',
        data: { dataType: 'urn:x-tams:data:bounding-box' },
      },
    });
    const { data } = await h.run<{ flow: { essenceParameters: unknown } }>(FLOW, { id });
    expect(data!.flow.essenceParameters).toEqual({
      __typename: 'DataEssenceParameters',
      dataType: 'urn:x-tams:data:bounding-box',
    });
  });
});

describe('flow properties', () => {
  const SET = {
    label: 'mutation($id: ID!, $v: String) { setFlowLabel(id: $id, label: $v) { label metadataVersion } }',
    description:
      'mutation($id: ID!, $v: String) { setFlowDescription(id: $id, description: $v) { description } }',
    tag: 'mutation($id: ID!, $n: String!, $v: String) { setFlowTag(id: $id, name: $n, value: $v) { tags { name value } } }',
    readOnly: 'mutation($id: ID!, $v: Boolean!) { setFlowReadOnly(id: $id, readOnly: $v) { readOnly } }',
    bitRate:
      'mutation($id: ID!, $k: BitRateKind!, $v: Int) { setFlowBitRate(id: $id, kind: $k, value: $v) { avgBitRate maxBitRate } }',
  };

  it('sets and clears each property, bumping the metadata version with an event each time', async () => {
    const id = await createFlow(h);
    const before = await lastEventSeq(h);
    const first = await h.run<{ setFlowLabel: { metadataVersion: string } }>(SET.label, { id, v: 'L' });
    const second = await h.run<{ setFlowLabel: { label: string | null; metadataVersion: string } }>(
      SET.label,
      { id, v: null },
    );
    expect(second.data!.setFlowLabel.label).toBeNull();
    expect(second.data!.setFlowLabel.metadataVersion).not.toBe(first.data!.setFlowLabel.metadataVersion);
    await h.run(SET.description, { id, v: 'D' });
    const tags = await h.run<{ setFlowTag: { tags: unknown } }>(SET.tag, { id, n: 'a.b', v: 'c' });
    expect(tags.data!.setFlowTag.tags).toEqual([{ name: 'a.b', value: 'c' }]);
    await h.run(SET.tag, { id, n: 'a.b', v: null });
    expect(await h.errorCode(SET.tag, { id, n: 'a.b', v: null })).toBe('NOT_FOUND');
    const rates = await h.run<{ setFlowBitRate: unknown }>(SET.bitRate, { id, k: 'MAXIMUM', v: 900 });
    expect(rates.data!.setFlowBitRate).toEqual({ avgBitRate: null, maxBitRate: 900 });
    expect(await h.errorCode(SET.bitRate, { id, k: 'AVERAGE', v: -5 })).toBe('BAD_REQUEST');
    expect((await eventsSince(h, before)).map((e) => e.type)).toEqual(Array(6).fill('flows/updated'));
  });

  it('blocks every change to a read-only flow except unlocking it', async () => {
    const id = await createFlow(h, { readOnly: true });
    expect(await h.errorCode(SET.label, { id, v: 'x' })).toBe('FLOW_READ_ONLY');
    expect(await h.errorCode(SET.label, { id, v: null })).toBe('FLOW_READ_ONLY');
    expect(await h.errorCode(SET.tag, { id, n: 'a', v: 'b' })).toBe('FLOW_READ_ONLY');
    expect(await h.errorCode(SET.bitRate, { id, k: 'AVERAGE', v: 1 })).toBe('FLOW_READ_ONLY');
    expect(await h.errorCode(PUT_FLOW, { id, flow: videoFlow() })).toBe('FLOW_READ_ONLY');
    const unlocked = await h.run<{ setFlowReadOnly: { readOnly: boolean } }>(SET.readOnly, { id, v: false });
    expect(unlocked.data!.setFlowReadOnly.readOnly).toBe(false);
    await h.run(SET.label, { id, v: 'now it works' });
  });

  it('answers NOT_FOUND for flows that do not exist and INVALID_ID for malformed ids', async () => {
    expect(await h.errorCode(SET.label, { id: randomUUID(), v: 'x' })).toBe('NOT_FOUND');
    expect(await h.errorCode(SET.label, { id: 'nope', v: 'x' })).toBe('INVALID_ID');
  });
});

describe('sources', () => {
  const SOURCE = `query($id: ID!) { source(id: $id) { id label description tags { name value } updatedBy flows { nodes { id } } } }`;

  it('sets label, description and tags (sources have no read-only) and emits sources/updated', async () => {
    const flowId = await createFlow(h, { readOnly: true });
    const flow = (await h.run<{ flow: { sourceId: string } }>(FLOW, { id: flowId })).data!.flow;
    const before = await lastEventSeq(h);
    await h.run('mutation($id: ID!) { setSourceLabel(id: $id, label: "S") { id } }', { id: flow.sourceId });
    await h.run('mutation($id: ID!) { setSourceDescription(id: $id, description: "D") { id } }', {
      id: flow.sourceId,
    });
    await h.run('mutation($id: ID!) { setSourceTag(id: $id, name: "k", value: "v") { id } }', {
      id: flow.sourceId,
    });
    const { data } = await h.run<{ source: unknown }>(SOURCE, { id: flow.sourceId });
    expect(data!.source).toEqual({
      id: flow.sourceId,
      label: 'S',
      description: 'D',
      tags: [{ name: 'k', value: 'v' }],
      updatedBy: 'tester',
      flows: { nodes: [{ id: flowId }] },
    });
    expect((await eventsSince(h, before)).map((e) => e.type)).toEqual(Array(3).fill('sources/updated'));
    expect(
      await h.errorCode(
        'mutation { setSourceLabel(id: "00000000-0000-4000-8000-000000000000", label: "x") { id } }',
      ),
    ).toBe('NOT_FOUND');
  });
});

describe('listing flows', () => {
  it('refuses a negative frame size filter (a rule the REST shim applied alone before)', async () => {
    const query =
      'query($w: Int, $h: Int) { flows(filter: { frameWidth: $w, frameHeight: $h }) { nodes { id } } }';
    expect(await h.errorCode(query, { w: -1 })).toBe('BAD_REQUEST');
    expect(await h.errorCode(query, { h: -1 })).toBe('BAD_REQUEST');
    const id = await createFlow(h, { video: { frameWidth: 7, frameHeight: 3 } });
    const { data } = await h.run<{ flows: { nodes: { id: string }[] } }>(query, { w: 7, h: 3 });
    expect(data!.flows.nodes.map((n) => n.id)).toEqual([id]);
  });
});
