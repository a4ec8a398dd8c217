import type { ContentFormat } from '../__generated__/resolvers-types.js';

/** TAMS 7.0 `format` URNs of the GraphQL ContentFormat values (the database stores the URN). */
export const FORMAT_URN: Readonly<Record<ContentFormat, string>> = {
  VIDEO: 'urn:x-nmos:format:video',
  AUDIO: 'urn:x-nmos:format:audio',
  IMAGE: 'urn:x-tam:format:image',
  DATA: 'urn:x-nmos:format:data',
  MULTI: 'urn:x-nmos:format:multi',
};

const BY_URN = new Map(Object.entries(FORMAT_URN).map(([k, v]) => [v, k as ContentFormat]));

export function formatFromUrn(urn: string): ContentFormat {
  const format = BY_URN.get(urn);
  if (!format) throw new Error(`unknown format URN in the store: ${urn}`);
  return format;
}
