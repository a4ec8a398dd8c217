/** Tunables of the media domain; `DEFAULT_LIMITS` holds the values used where none is given. */
export interface MediaLimits {
  /** Page size when a listing gives none, and the most it may ask for. */
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** Segments deleted while the request waits; more become a background delete request (202). */
  readonly syncDeleteSegments: number;
  /** Lifetime of presigned GET URLs in listings and of PUT URLs from storage allocation. */
  readonly getUrlSeconds: number;
  readonly putUrlSeconds: number;
  /** Allocated objects never registered by a segment may be cleaned up after this long. */
  readonly uploadGraceSeconds: number;
}

export const DEFAULT_LIMITS: MediaLimits = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  syncDeleteSegments: 10_000,
  getUrlSeconds: 3600,
  putUrlSeconds: 3600,
  uploadGraceSeconds: 86_400,
};
