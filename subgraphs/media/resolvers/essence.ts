import type { ContainerMapping, EssenceParameters, Rational } from '../__generated__/resolvers-types.js';

/**
 * Stored TAMS JSON (snake_case, as 7.0 defines essence parameters and container mappings) into the
 * GraphQL types. The reverse of domain/flow-input.ts.
 */

type Json = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Json | null => (typeof v === 'object' && v !== null ? (v as Json) : null);

export function rational(v: unknown): Rational | null {
  const r = obj(v);
  return r ? { numerator: num(r.numerator) ?? 0, denominator: num(r.denominator) ?? 1 } : null;
}

export function essenceParameters(
  format: string,
  stored: unknown,
): (EssenceParameters & { __typename: string }) | null {
  const e = obj(stored);
  switch (format) {
    case 'urn:x-nmos:format:video': {
      if (!e) return null;
      const avc = obj(e.avc_parameters);
      return {
        __typename: 'VideoEssenceParameters',
        frameRate: rational(e.frame_rate),
        frameWidth: num(e.frame_width) ?? 0,
        frameHeight: num(e.frame_height) ?? 0,
        bitDepth: num(e.bit_depth),
        interlaceMode: (str(e.interlace_mode)?.toUpperCase() ?? null) as never,
        colorspace: str(e.colorspace) as never,
        transferCharacteristic: str(e.transfer_characteristic) as never,
        aspectRatio: rational(e.aspect_ratio),
        pixelAspectRatio: rational(e.pixel_aspect_ratio),
        componentType: (str(e.component_type)?.toUpperCase() ?? null) as never,
        horizChromaSubs: num(e.horiz_chroma_subs),
        vertChromaSubs: num(e.vert_chroma_subs),
        uncType: str(obj(e.unc_parameters)?.unc_type),
        avcParameters: avc
          ? { profile: num(avc.profile) ?? 0, level: num(avc.level) ?? 0, flags: num(avc.flags) ?? 0 }
          : null,
      };
    }
    case 'urn:x-nmos:format:audio':
      if (!e) return null;
      return {
        __typename: 'AudioEssenceParameters',
        sampleRate: num(e.sample_rate) ?? 0,
        channels: num(e.channels) ?? 0,
        bitDepth: num(e.bit_depth),
        codedFrameSize: num(obj(e.codec_parameters)?.coded_frame_size),
        mp4Oti: num(obj(e.codec_parameters)?.mp4_oti),
        uncType: str(obj(e.unc_parameters)?.unc_type),
      };
    case 'urn:x-tam:format:image':
      if (!e) return null;
      return {
        __typename: 'ImageEssenceParameters',
        frameWidth: num(e.frame_width) ?? 0,
        frameHeight: num(e.frame_height) ?? 0,
        aspectRatio: rational(e.aspect_ratio),
      };
    case 'urn:x-nmos:format:data':
      return { __typename: 'DataEssenceParameters', dataType: str(e?.data_type) };
    default:
      return null;
  }
}

export function containerMapping(stored: unknown): ContainerMapping | null {
  const m = obj(stored);
  if (!m) return null;
  const audio = obj(m.audio_track);
  return {
    trackIndex: num(m.track_index),
    formatTrackIndex: num(m.format_track_index),
    audioTrack: audio
      ? {
          channelNumbers: Array.isArray(audio.channel_numbers) ? (audio.channel_numbers as number[]) : null,
          channelRange: str(audio.channel_range),
        }
      : null,
    mp2tsPid: num(obj(m.mp2ts_container)?.pid),
    mxfPackageUid: str(obj(m.mxf_container)?.package_uid),
    mxfTrackId: num(obj(m.mxf_container)?.track_id),
    isobmffTrackId: num(obj(m.isobmff_container)?.track_id),
  };
}
