import type { Row } from '../../../lib/executor/index.js';

/** A registration as the dispatcher uses it: filters parsed once per round. */
export interface WebhookRegistration {
  readonly id: string;
  readonly url: string;
  /** What logs may say about the target: scheme, host and port, never the path or query (secrets). */
  readonly origin: string;
  readonly apiKey: { readonly name: string; readonly value: string } | null;
  readonly events: ReadonlySet<string>;
  /** Each filter is null when not set; a set filter must pass (see event-filter.ts). */
  readonly flowIds: ReadonlySet<string> | null;
  readonly sourceIds: ReadonlySet<string> | null;
  readonly flowCollectedByIds: ReadonlySet<string> | null;
  readonly sourceCollectedByIds: ReadonlySet<string> | null;
  /** get_urls options for flows/segments_added, as the segments listing takes them (DIGEST §6.2). */
  readonly acceptGetUrls: readonly string[] | null;
  readonly acceptStorageIds: readonly string[] | null;
  readonly presigned: boolean | null;
  readonly verboseStorage: boolean;
}

const list = (value: unknown): string[] | null =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;

const set = (value: unknown): ReadonlySet<string> | null => {
  const values = list(value);
  return values === null ? null : new Set(values);
};

/** The origin of a URL for logs; never the URL itself, which may carry a token in its path or query. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

export function registrationOf(row: Row<'webhooks'>): WebhookRegistration {
  return {
    id: row.id,
    url: row.url,
    origin: originOf(row.url),
    apiKey:
      row.api_key_name !== null && row.api_key_value !== null
        ? { name: row.api_key_name, value: row.api_key_value }
        : null,
    events: new Set(list(row.events) ?? []),
    flowIds: set(row.flow_ids),
    sourceIds: set(row.source_ids),
    flowCollectedByIds: set(row.flow_collected_by_ids),
    sourceCollectedByIds: set(row.source_collected_by_ids),
    acceptGetUrls: list(row.accept_get_urls),
    acceptStorageIds: list(row.accept_storage_ids),
    presigned: row.presigned,
    verboseStorage: row.verbose_storage === true,
  };
}
