import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.js';
import {
  bitRateBody,
  flowCollectionInput,
  flowInput,
  parse,
  segmentInput,
  serviceBody,
  storageBody,
  webhookInput,
} from './bodies.js';

/** The 400 a body gets, as its summary. */
function refused(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (error instanceof HttpError && error.status === 400 && error.type === 'BAD_REQUEST')
      return error.message;
    throw error;
  }
  throw new Error('expected a 400');
}

const ID = randomUUID();
const SOURCE = randomUUID();
const video = (extra: Record<string, unknown> = {}, essence: Record<string, unknown> = {}) => ({
  id: ID,
  source_id: SOURCE,
  format: 'urn:x-nmos:format:video',
  codec: 'video/h264',
  essence_parameters: { frame_width: 1920, frame_height: 1080, ...essence },
  ...extra,
});

describe('flowInput: a 7.0 flow as the FlowInput variable', () => {
  it('maps every property to its GraphQL name and the TAMS spellings to the enum values', () => {
    expect(
      flowInput(
        video(
          {
            container: 'video/mp2t',
            label: 'Camera 1',
            description: 'Studio A',
            created_by: 'me',
            updated_by: 'you',
            tags: { genre: 'news', '': 'empty name' },
            read_only: false,
            generation: 2,
            avg_bit_rate: 5000,
            max_bit_rate: 8000,
            segment_duration: { numerator: 2 },
            container_mapping: {
              track_index: 1,
              format_track_index: 0,
              audio_track: { channel_numbers: [0, 1], channel_range: '0_1' },
              mp2ts_container: { pid: 256 },
              mxf_container: { package_uid: 'urn:uuid:x', track_id: 3 },
              isobmff_container: { track_id: 4 },
            },
            flow_collection: [{ id: SOURCE, role: 'video', container_mapping: {} }],
          },
          {
            frame_rate: { numerator: 50, denominator: 1 },
            bit_depth: 10,
            interlace_mode: 'interlaced_tff',
            colorspace: 'BT2100',
            transfer_characteristic: 'HLG',
            aspect_ratio: { numerator: 16, denominator: 9 },
            pixel_aspect_ratio: { numerator: 1, denominator: 1 },
            component_type: 'YCbCr',
            horiz_chroma_subs: 2,
            vert_chroma_subs: 1,
            unc_parameters: { unc_type: 'v210' },
            avc_parameters: { profile: 100, level: 40, flags: 0 },
          },
        ),
        ID,
      ),
    ).toEqual({
      sourceId: SOURCE,
      format: 'VIDEO',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: 'Camera 1',
      description: 'Studio A',
      createdBy: 'me',
      updatedBy: 'you',
      tags: [
        { name: 'genre', value: 'news' },
        { name: '', value: 'empty name' },
      ],
      readOnly: false,
      generation: 2,
      avgBitRate: 5000,
      maxBitRate: 8000,
      segmentDuration: { numerator: 2, denominator: undefined },
      containerMapping: {
        trackIndex: 1,
        formatTrackIndex: 0,
        audioTrack: { channelNumbers: [0, 1], channelRange: '0_1' },
        mp2tsPid: 256,
        mxfPackageUid: 'urn:uuid:x',
        mxfTrackId: 3,
        isobmffTrackId: 4,
      },
      flowCollection: [{ id: SOURCE, role: 'video', containerMapping: {} }],
      video: {
        frameRate: { numerator: 50, denominator: 1 },
        frameWidth: 1920,
        frameHeight: 1080,
        bitDepth: 10,
        interlaceMode: 'INTERLACED_TFF',
        colorspace: 'BT2100',
        transferCharacteristic: 'HLG',
        aspectRatio: { numerator: 16, denominator: 9 },
        pixelAspectRatio: { numerator: 1, denominator: 1 },
        componentType: 'YCBCR',
        horizChromaSubs: 2,
        vertChromaSubs: 1,
        uncType: 'v210',
        avcParameters: { profile: 100, level: 40, flags: 0 },
      },
      additionalProperties: undefined,
    });
  });

  it('maps the essence parameters of each format to that format’s input', () => {
    const body = (format: string, essence?: unknown) => ({
      id: ID,
      source_id: SOURCE,
      format,
      codec: 'x/y',
      ...(essence === undefined ? {} : { essence_parameters: essence }),
    });
    const audio = flowInput(
      body('urn:x-nmos:format:audio', {
        sample_rate: 48000,
        channels: 2,
        bit_depth: 24,
        codec_parameters: { coded_frame_size: 1024, mp4_oti: 64 },
        unc_parameters: { unc_type: 'interleaved' },
      }),
      ID,
    );
    expect(audio.audio).toEqual({
      sampleRate: 48000,
      channels: 2,
      bitDepth: 24,
      codedFrameSize: 1024,
      mp4Oti: 64,
      uncType: 'interleaved',
    });
    const image = flowInput(body('urn:x-tam:format:image', { frame_width: 4, frame_height: 3 }), ID);
    expect(image).toMatchObject({ format: 'IMAGE', image: { frameWidth: 4, frameHeight: 3 } });
    expect(flowInput(body('urn:x-nmos:format:data', { data_type: 'urn:x' }), ID).data).toEqual({
      dataType: 'urn:x',
    });
    const multi = flowInput(body('urn:x-nmos:format:multi'), ID);
    expect(multi).toMatchObject({ format: 'MULTI', codec: 'x/y' });
    expect(multi.video ?? multi.audio ?? multi.image ?? multi.data).toBeUndefined();
  });

  it('ignores what the server manages and keeps further properties for the domain to judge', () => {
    const input = flowInput(
      video({
        created: 'x',
        metadata_updated: 'x',
        segments_updated: 'x',
        metadata_version: 'x',
        timerange: 'x',
        collected_by: ['x'],
        vendor: { hint: 1 },
      }),
      ID,
    );
    expect(input.additionalProperties).toEqual({ vendor: { hint: 1 } });
    // A multi-essence flow has no essence input: given parameters travel on, and the domain refuses them.
    const multi = flowInput(
      {
        id: ID,
        source_id: SOURCE,
        format: 'urn:x-nmos:format:multi',
        essence_parameters: { frame_width: 1 },
      },
      ID,
    );
    expect(multi.additionalProperties).toEqual({ essence_parameters: { frame_width: 1 } });
  });

  it('checks the 7.0 structure: JSON types, required properties, property names, TAMS spellings', () => {
    expect(refused(() => flowInput('flow', ID))).toBe(
      'flow: Invalid input: expected object, received string',
    );
    expect(refused(() => flowInput({ ...video(), source_id: undefined }, ID))).toBe('source_id: required');
    expect(refused(() => flowInput({ ...video(), codec: undefined }, ID))).toBe('codec: required');
    expect(refused(() => flowInput({ ...video(), essence_parameters: undefined }, ID))).toBe(
      'essence_parameters: required',
    );
    expect(refused(() => flowInput(video({}, { frame_height: undefined }), ID))).toBe(
      'essence_parameters.frame_height: required',
    );
    expect(refused(() => flowInput(video({}, { frame_width: 1.5 }), ID))).toBe(
      'essence_parameters.frame_width: expected an integer',
    );
    expect(refused(() => flowInput(video({}, { frame_size: 1 }), ID))).toMatch(
      /^essence_parameters: Unrecognized key: "frame_size"/,
    );
    expect(refused(() => flowInput(video({}, { interlace_mode: 'PROGRESSIVE' }), ID))).toBe(
      'essence_parameters.interlace_mode: expected one of progressive, interlaced_tff, interlaced_bff, interlaced_psf',
    );
    expect(refused(() => flowInput(video({ tags: { a: 1 } }), ID))).toBe(
      'tags.a: tag values are strings in TAMS 7.0',
    );
    expect(refused(() => flowInput(video({ tags: ['a'] }), ID))).toBe(
      'tags: expected an object mapping tag names to strings',
    );
    expect(refused(() => flowInput(video({ format: 'VIDEO' }), ID))).toMatch(
      /^format: expected one of urn:x-nmos/,
    );
    expect(refused(() => flowInput(video({ read_only: 'yes' }), ID))).toMatch(/^read_only: /);
  });

  it('judges no values: ranges, UUIDs and MIME types reach the domain as given', () => {
    const input = flowInput(
      video(
        {
          source_id: 'not-a-uuid',
          codec: 'h264',
          generation: -1,
          avg_bit_rate: -5,
          segment_duration: { numerator: 0 },
        },
        { frame_width: 0, frame_height: 3_000_000_000 },
      ),
      ID,
    );
    expect(input).toMatchObject({
      sourceId: 'not-a-uuid',
      codec: 'h264',
      generation: -1,
      avgBitRate: -5,
      segmentDuration: { numerator: 0 },
      video: { frameWidth: 0, frameHeight: 3_000_000_000 },
    });
  });

  it('refuses a body whose id is not the path’s: the request contradicts itself', () => {
    expect(refused(() => flowInput(video(), randomUUID()))).toMatch(
      /^id: the body's id .* is not the flow id in the path$/,
    );
  });
});

describe('the other bodies', () => {
  it('flow_collection: an array of items, mapped', () => {
    expect(flowCollectionInput([{ id: 'x', role: 'r', container_mapping: { track_index: 0 } }])).toEqual([
      { id: 'x', role: 'r', containerMapping: { trackIndex: 0 } },
    ]);
    expect(refused(() => flowCollectionInput({ not: 'a list' }))).toMatch(/^flow_collection: /);
    expect(refused(() => flowCollectionInput([{ id: 'x' }]))).toBe('0.role: required');
  });

  it('webhooks: snake_case properties mapped, unknown ones refused (7.0: unsupported filters are a 400)', () => {
    expect(
      webhookInput({
        url: 'https://h.example',
        api_key_name: 'k',
        api_key_value: 'v',
        events: ['flows/created'],
        flow_ids: ['f'],
        source_ids: ['s'],
        flow_collected_by_ids: ['fc'],
        source_collected_by_ids: ['sc'],
        accept_get_urls: ['a'],
        accept_storage_ids: ['b'],
        presigned: true,
        verbose_storage: false,
      }),
    ).toEqual({
      url: 'https://h.example',
      apiKeyName: 'k',
      apiKeyValue: 'v',
      events: ['flows/created'],
      flowIds: ['f'],
      sourceIds: ['s'],
      flowCollectedByIds: ['fc'],
      sourceCollectedByIds: ['sc'],
      acceptGetUrls: ['a'],
      acceptStorageIds: ['b'],
      presigned: true,
      verboseStorage: false,
    });
    expect(refused(() => webhookInput({ url: 'u', events: [], tag_filter: 'x' }))).toMatch(
      /Unrecognized key/,
    );
    expect(refused(() => webhookInput({ url: 'u' }))).toBe('events: required');
  });

  it('storage, service and property bodies: types only; limit with object_ids is the domain’s refusal', () => {
    expect(parse(storageBody, { limit: 1, object_ids: ['a'] }, 'storage request')).toEqual({
      limit: 1,
      object_ids: ['a'],
    });
    expect(refused(() => parse(storageBody, { limit: '1' }, 'storage request'))).toMatch(/^limit: /);
    expect(refused(() => parse(serviceBody, { name: 'n', other: 1 }, 'service'))).toMatch(/Unrecognized key/);
    expect(parse(bitRateBody, -1, 'max_bit_rate')).toBe(-1);
    expect(refused(() => parse(bitRateBody, 1.5, 'max_bit_rate'))).toBe('max_bit_rate: expected an integer');
  });
});

describe('segmentInput: one item of a segment POST', () => {
  it('maps a segment to SegmentInput', () => {
    expect(
      segmentInput({
        object_id: 'o',
        timerange: '[0:0_1:0)',
        ts_offset: '0:5',
        last_duration: '0:40000000',
        sample_offset: 1,
        sample_count: 2,
        key_frame_count: 3,
        get_urls: [{ url: 'https://x.example/o', label: 'cdn' }],
      }),
    ).toEqual({
      ok: true,
      input: {
        objectId: 'o',
        timerange: '[0:0_1:0)',
        tsOffset: '0:5',
        lastDuration: '0:40000000',
        sampleOffset: 1,
        sampleCount: 2,
        keyFrameCount: 3,
        getUrls: [{ url: 'https://x.example/o', label: 'cdn' }],
      },
    });
  });

  it('says why an item cannot be a SegmentInput, naming the TAMS property: shape or the schema’s scalars', () => {
    const problem = (item: unknown) => {
      const r = segmentInput(item);
      return r.ok ? undefined : r.message;
    };
    expect(problem({ timerange: '[0:0_1:0)' })).toBe('object_id: required');
    expect(problem('segment')).toBe('segment: Invalid input: expected object, received string');
    expect(problem({ object_id: 'o', timerange: '[0:0_1:05)' })).toMatch(/^timerange: .*1:05/);
    expect(problem({ object_id: 'o', timerange: '[0:0_1:0)', ts_offset: '1:x' })).toMatch(/^ts_offset: /);
    expect(problem({ object_id: 'o', timerange: '[0:0_1:0)', last_duration: '-' })).toMatch(
      /^last_duration: /,
    );
    expect(problem({ object_id: 'o', timerange: '[0:0_1:0)', sample_count: 2 ** 60 })).toMatch(
      /^sample_count: /,
    );
    // Values the schema accepts are the domain's to judge, per item as well.
    expect(problem({ object_id: '', timerange: '()', sample_count: -1 })).toBeUndefined();
  });
});
