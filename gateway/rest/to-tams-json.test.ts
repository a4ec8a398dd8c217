import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowFieldsFragment } from './__generated__/operations.js';
import {
  COLORSPACE,
  COMPONENT_TYPE,
  DELETE_REQUEST_STATUS,
  FORMAT,
  INTERLACE_MODE,
  TRANSFER_CHARACTERISTIC,
} from './tams-vocabulary.js';
import type { Vocabulary } from './tams-vocabulary.js';
import {
  deleteRequestJson,
  flowJson,
  segmentJson,
  serviceJson,
  sourceJson,
  storageBackendJson,
  tagMap,
  webhookJson,
} from './to-tams-json.js';

/** A flow result with every optional property unset (GraphQL null). */
const bareFlow = (over: Partial<FlowFieldsFragment> = {}): FlowFieldsFragment => ({
  id: 'f',
  sourceId: 's',
  format: 'MULTI',
  codec: null,
  container: null,
  label: null,
  description: null,
  readOnly: null,
  generation: null,
  created: '2025-01-01T00:00:00.000Z',
  createdBy: null,
  updatedBy: null,
  metadataUpdated: '2025-01-01T00:00:00.000Z',
  metadataVersion: 'v1',
  segmentsUpdated: null,
  avgBitRate: null,
  maxBitRate: null,
  collectedBy: [],
  additionalProperties: null,
  tags: null,
  segmentDuration: null,
  containerMapping: null,
  essenceParameters: null,
  flowCollection: null,
  ...over,
});

describe('flowJson', () => {
  it('omits what is unset: a bare flow has only its required and managed properties', () => {
    expect(flowJson(bareFlow())).toEqual({
      id: 'f',
      source_id: 's',
      format: 'urn:x-nmos:format:multi',
      created: '2025-01-01T00:00:00.000Z',
      metadata_updated: '2025-01-01T00:00:00.000Z',
      metadata_version: 'v1',
    });
  });

  it('keeps what was set, even when empty or false, and spells enumerations as 7.0 does', () => {
    const json = flowJson({
      ...bareFlow({
        format: 'VIDEO',
        readOnly: false,
        tags: [],
        flowCollection: [],
        containerMapping: {
          trackIndex: null,
          formatTrackIndex: null,
          audioTrack: null,
          mp2tsPid: null,
          mxfPackageUid: null,
          mxfTrackId: 2,
          isobmffTrackId: null,
        },
        collectedBy: ['c'],
        additionalProperties: { vendor: 1 },
        essenceParameters: {
          __typename: 'VideoEssenceParameters',
          frameWidth: 1920,
          frameHeight: 1080,
          bitDepth: null,
          interlaceMode: 'INTERLACED_PSF',
          colorspace: 'BT709',
          transferCharacteristic: 'PQ',
          componentType: 'YCBCR',
          horizChromaSubs: null,
          vertChromaSubs: null,
          uncType: 'v210',
          frameRate: { numerator: 25, denominator: 1 },
          aspectRatio: null,
          pixelAspectRatio: null,
          avcParameters: null,
        },
      }),
      timerange: '[0:0_10:0)',
    });
    expect(json).toMatchObject({
      vendor: 1,
      format: 'urn:x-nmos:format:video',
      read_only: false,
      tags: {},
      flow_collection: [],
      collected_by: ['c'],
      timerange: '[0:0_10:0)',
      container_mapping: { mxf_container: { track_id: 2 } },
      essence_parameters: {
        frame_width: 1920,
        frame_height: 1080,
        interlace_mode: 'interlaced_psf',
        colorspace: 'BT709',
        transfer_characteristic: 'PQ',
        component_type: 'YCbCr',
        unc_parameters: { unc_type: 'v210' },
        frame_rate: { numerator: 25, denominator: 1 },
      },
    });
    expect(Object.keys(json.essence_parameters as object)).not.toContain('bit_depth');
  });

  it('renders audio, image and data essence parameters', () => {
    const essence = (e: FlowFieldsFragment['essenceParameters']) =>
      flowJson(bareFlow({ essenceParameters: e })).essence_parameters;
    expect(
      essence({
        __typename: 'AudioEssenceParameters',
        sampleRate: 48000,
        channels: 2,
        bitDepth: null,
        codedFrameSize: null,
        mp4Oti: 64,
        uncType: null,
      }),
    ).toEqual({ sample_rate: 48000, channels: 2, codec_parameters: { mp4_oti: 64 } });
    expect(
      essence({ __typename: 'ImageEssenceParameters', frameWidth: 4, frameHeight: 3, aspectRatio: null }),
    ).toEqual({ frame_width: 4, frame_height: 3 });
    expect(essence({ __typename: 'DataEssenceParameters', dataType: null })).toEqual({});
  });
});

describe('the other results', () => {
  it('sources: tags as a map, inferred collections only when there are some', () => {
    expect(
      sourceJson({
        id: 's',
        format: 'AUDIO',
        label: null,
        description: 'd',
        tags: [{ name: 'a', value: 'b' }],
        created: 't1',
        createdBy: null,
        updated: 't2',
        updatedBy: 'u',
        sourceCollection: [],
        collectedBy: [],
      }),
    ).toEqual({
      id: 's',
      format: 'urn:x-nmos:format:audio',
      description: 'd',
      tags: { a: 'b' },
      created: 't1',
      updated: 't2',
      updated_by: 'u',
    });
    expect(tagMap(null)).toBeNull();
    expect(tagMap([{ name: 'constructor', value: 'x' }])).toEqual({ constructor: 'x' });
  });

  it('segments: get_urls short unless verbose (7.0 §6.2)', () => {
    const url = {
      url: 'https://x',
      label: 'local',
      presigned: true,
      controlled: true,
      storageId: 'b',
      storeType: 'http_object_store',
      provider: 'p',
      region: null,
      availabilityZone: null,
      storeProduct: 'fs',
    };
    const segment = {
      objectId: 'o',
      timerange: '[0:0_1:0)',
      tsOffset: '0:0',
      lastDuration: null,
      sampleOffset: null,
      sampleCount: 25,
      keyFrameCount: null,
      getUrls: [url],
    };
    expect(segmentJson(segment, false)).toEqual({
      object_id: 'o',
      timerange: '[0:0_1:0)',
      ts_offset: '0:0',
      sample_count: 25,
      get_urls: [{ url: 'https://x', label: 'local', presigned: true }],
    });
    expect((segmentJson(segment, true).get_urls as object[])[0]).toEqual({
      url: 'https://x',
      label: 'local',
      presigned: true,
      controlled: true,
      storage_id: 'b',
      store_type: 'http_object_store',
      provider: 'p',
      store_product: 'fs',
    });
  });

  it('deletion requests, storage backends, webhooks and the service', () => {
    expect(
      deleteRequestJson({
        id: 'r',
        flowId: 'f',
        timerangeToDelete: '_',
        timerangeRemaining: null,
        deleteFlow: true,
        status: 'STARTED',
        created: 't',
        createdBy: null,
        updated: 't',
        expiry: null,
        error: null,
      }),
    ).toEqual({
      id: 'r',
      flow_id: 'f',
      timerange_to_delete: '_',
      delete_flow: true,
      status: 'started',
      created: 't',
      updated: 't',
    });
    expect(
      storageBackendJson({
        id: 'b',
        storeType: 'http_object_store',
        provider: 'p',
        storeProduct: 's',
        label: null,
        region: 'r',
        availabilityZone: null,
        defaultStorage: true,
      }),
    ).toEqual({
      id: 'b',
      store_type: 'http_object_store',
      provider: 'p',
      store_product: 's',
      region: 'r',
      default_storage: true,
    });
    expect(
      webhookJson({
        url: 'u',
        apiKeyName: null,
        events: ['flows/created'],
        flowIds: null,
        sourceIds: ['s'],
        flowCollectedByIds: null,
        sourceCollectedByIds: null,
        acceptGetUrls: [],
        acceptStorageIds: null,
        presigned: null,
        verboseStorage: false,
      }),
    ).toEqual({
      url: 'u',
      events: ['flows/created'],
      source_ids: ['s'],
      accept_get_urls: [],
      verbose_storage: false,
    });
    expect(
      serviceJson({
        type: 'urn:x-tams:service.x',
        apiVersion: '7.0',
        serviceVersion: null,
        name: null,
        description: null,
        eventStreamMechanisms: [],
      }),
    ).toEqual({ type: 'urn:x-tams:service.x', api_version: '7.0' });
  });
});

describe('the TAMS vocabulary', () => {
  const vocabularies: [string, Vocabulary<string>][] = [
    ['format', FORMAT],
    ['interlace_mode', INTERLACE_MODE],
    ['colorspace', COLORSPACE],
    ['transfer_characteristic', TRANSFER_CHARACTERISTIC],
    ['component_type', COMPONENT_TYPE],
    ['status', DELETE_REQUEST_STATUS],
  ];

  it('translates each way and back (property)', () => {
    for (const [name, vocabulary] of vocabularies) {
      const values = Object.keys(vocabulary.tamsOf);
      fc.assert(
        fc.property(fc.constantFrom(...values), (graphql) => {
          const tams = vocabulary.tamsOf[graphql]!;
          expect(vocabulary.graphqlOf(tams), name).toBe(graphql);
        }),
      );
      fc.assert(
        fc.property(fc.string(), (text) => {
          const graphql = vocabulary.graphqlOf(text);
          if (graphql !== undefined) expect(vocabulary.tamsOf[graphql]).toBe(text);
          else expect(vocabulary.tamsValues).not.toContain(text);
        }),
      );
    }
  });
});
