import type { ColumnSpec, ColumnValue } from './columns.js';

/**
 * The catalog: every table of the TAMS 7.0 model as the executor's callers see it (logical columns).
 * The per-backend migrations create the physical tables; `catalog-matches-schema` tests keep them in step.
 *
 * Why no foreign keys between entity tables: segment tables are distributed by flow id (Citus-friendly),
 * flows are deleted in the background through delete requests, and objects outlive flows. Integrity
 * across tables is kept by the domain layer inside one transaction.
 */
export interface TableSpec {
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  readonly primaryKey: readonly string[];
  /** Further single-column unique keys (usable for `lookup`). */
  readonly unique?: readonly string[];
  /**
   * A timeline table holds, per partition (e.g. per flow), rows whose `column` ranges never overlap
   * (database-enforced). The compiler uses this to bound window queries to O(log n).
   */
  readonly timeline?: { readonly partition: string; readonly column: string };
  /** Columns that can never change after insert (database-enforced where the backend allows). */
  readonly immutable?: readonly string[];
  /**
   * Kept by the database from another table (triggers in the statement that writes that table): readable
   * like any table, never written through the executor.
   */
  readonly maintained?: { readonly from: string };
}

const uuid = { type: 'uuid' } as const;
const text = { type: 'text' } as const;
const optText = { type: 'text', nullable: true } as const;
const optInt = { type: 'int', nullable: true } as const;
const optBigint = { type: 'bigint', nullable: true } as const;
const optUuid = { type: 'uuid', nullable: true } as const;
const optJson = { type: 'json', nullable: true } as const;
const optBool = { type: 'bool', nullable: true } as const;
const datetime = { type: 'datetime' } as const;
const optDatetime = { type: 'datetime', nullable: true } as const;
/** A tag map; NULL while the client never set one (7.0 gives `tags` no default), `{}` when set empty. */
const optTags = { type: 'tags', nullable: true } as const;
const falseBool = { type: 'bool', default: { kind: 'literal', value: false } } as const;

export const catalog = {
  /** Service-level settings writable through POST /service (name, description). */
  service_settings: {
    columns: { name: text, value: { type: 'json' } },
    primaryKey: ['name'],
  },

  /** Storage backends are populated on deployment (ADR0032); `config` holds adapter settings, never secrets. */
  storage_backends: {
    columns: {
      id: uuid,
      store_type: text,
      provider: text,
      store_product: text,
      label: optText,
      region: optText,
      availability_zone: optText,
      default_storage: falseBool,
      config: optJson,
      created: datetime,
    },
    primaryKey: ['id'],
  },

  /** Sources are created with their first flow and removed with their last (ADR0018). */
  sources: {
    columns: {
      id: uuid,
      format: text,
      label: optText,
      description: optText,
      tags: optTags,
      created: datetime,
      created_by: optText,
      updated: datetime,
      updated_by: optText,
    },
    primaryKey: ['id'],
  },

  flows: {
    columns: {
      id: uuid,
      source_id: uuid,
      format: text,
      codec: optText,
      container: optText,
      label: optText,
      description: optText,
      tags: optTags,
      /** NULL while the client never set it, which means writable (7.0 gives `read_only` no default). */
      read_only: optBool,
      generation: optInt,
      /** Copied out of essence_parameters so the /flows filters can use an index. */
      frame_width: optInt,
      frame_height: optInt,
      essence_parameters: optJson,
      segment_duration: optJson,
      container_mapping: optJson,
      avg_bit_rate: optInt,
      max_bit_rate: optInt,
      /** Flow properties 7.0 allows but this model does not name (the flow object is open). */
      extra: optJson,
      created: datetime,
      created_by: optText,
      updated_by: optText,
      metadata_updated: datetime,
      metadata_version: text,
      segments_updated: optDatetime,
      /**
       * Segments registered in the flow, kept by the database from them (migration 11), so no request
       * counts millions of rows; never written through the executor.
       */
      segment_count: { type: 'bigint', generated: true },
      /** End of the flow's latest segment (TAI ns), kept like segment_count; NULL without segments. */
      last_segment_end: { type: 'timestamp', nullable: true, generated: true },
      /** Maintained from the flow's segments; EMPTY when it has none. */
      timerange: { type: 'timerange', nullable: true, bounded: true, default: { kind: 'emptyTimeRange' } },
      /**
       * The `flow_collection` property is set, possibly to `[]` (its items are flow_collection_items
       * rows, so an empty collection has none to show it was set).
       */
      flow_collection_set: falseBool,
    },
    primaryKey: ['id'],
  },

  /** One row per item of a flow's `flow_collection`; `collected_by` is the reverse lookup. */
  flow_collection_items: {
    columns: {
      collection_id: uuid,
      position: { type: 'int' },
      member_id: uuid,
      role: text,
      container_mapping: optJson,
    },
    primaryKey: ['collection_id', 'position'],
  },

  /** Flow segments: never overlapping within a flow, never modified in place. */
  segments: {
    columns: {
      flow_id: uuid,
      timerange: { type: 'timerange', bounded: true },
      object_id: text,
      ts_offset: { type: 'timestamp', default: { kind: 'literal', value: 0n } },
      last_duration: { type: 'timestamp', nullable: true },
      sample_offset: optBigint,
      sample_count: optBigint,
      key_frame_count: optBigint,
      /** Uncontrolled URLs registered by the client (`get_urls` of the POST body). */
      get_urls: optJson,
      created: datetime,
    },
    primaryKey: ['flow_id', 'timerange'],
    timeline: { partition: 'flow_id', column: 'timerange' },
    immutable: ['flow_id', 'timerange'],
  },

  /**
   * Coverage runs: the maximal covered intervals of each flow, segments that touch (the same instant,
   * one side including it) merged. Kept with the segments, so coverage and gaps read O(runs), not
   * O(segments); runs of a flow never overlap, never touch, and hold no uncovered point.
   */
  segment_runs: {
    columns: { flow_id: uuid, timerange: { type: 'timerange', bounded: true } },
    primaryKey: ['flow_id', 'timerange'],
    timeline: { partition: 'flow_id', column: 'timerange' },
    maintained: { from: 'segments' },
  },

  /** How many segments of each flow last exactly `duration` nanoseconds (end − start); kept with them. */
  segment_durations: {
    columns: { flow_id: uuid, duration: { type: 'bigint' }, segments: { type: 'bigint' } },
    primaryKey: ['flow_id', 'duration'],
    maintained: { from: 'segments' },
  },

  /** Media objects known to the store: allocated through /storage, or registered by a segment. */
  objects: {
    columns: {
      id: text,
      /** The backend holding a controlled copy; NULL for objects only reachable through client URLs. */
      storage_id: optUuid,
      /** The flow the object was allocated for (7.0 §6.1 reuse rules). */
      allocated_for_flow_id: optUuid,
      first_referenced_by_flow_id: optUuid,
      created: datetime,
      /** Unregistered allocations may be cleaned up after this time. */
      upload_expires: optDatetime,
      /** Set when a flow dropped its last reference: garbage collection checks it (durably, across restarts). */
      gc_candidate_since: optDatetime,
      /** Bytes of the stored object, recorded at upload (filesystem store); NULL while not known. */
      size_bytes: optBigint,
      /** When the object sizer last asked the store for the size (objects whose size is not known). */
      size_checked: optDatetime,
      /** Since when a referenced object's bytes are missing from its store, as the sizer found; else NULL. */
      missing_since: optDatetime,
    },
    primaryKey: ['id'],
  },

  /** Which flows reference an object, with how many segments (the object's `referenced_by_flows`). */
  flow_object_refs: {
    columns: {
      flow_id: uuid,
      object_id: text,
      segment_count: { type: 'bigint' },
    },
    primaryKey: ['flow_id', 'object_id'],
  },

  /** Webhook registrations; 7.0 identifies one by url + api_key_name + api_key_value (`identity`). */
  webhooks: {
    columns: {
      id: uuid,
      identity: text,
      url: text,
      api_key_name: optText,
      /** A secret: never logged, never returned by listings. */
      api_key_value: optText,
      events: { type: 'json' },
      flow_ids: optJson,
      source_ids: optJson,
      flow_collected_by_ids: optJson,
      source_collected_by_ids: optJson,
      accept_get_urls: optJson,
      accept_storage_ids: optJson,
      presigned: optBool,
      verbose_storage: optBool,
      owner: optText,
      created: datetime,
      updated: datetime,
    },
    primaryKey: ['id'],
    unique: ['identity'],
  },

  flow_delete_requests: {
    columns: {
      id: uuid,
      flow_id: uuid,
      timerange_to_delete: { type: 'timerange', nullable: true },
      timerange_remaining: { type: 'timerange', nullable: true },
      object_id: optText,
      delete_flow: { type: 'bool' },
      status: text,
      error: optJson,
      created: datetime,
      created_by: optText,
      updated: datetime,
      expiry: optDatetime,
    },
    primaryKey: ['id'],
  },

  /**
   * TAMS events, written in the same transaction as the change they describe. `seq` is assigned by the
   * database at insert; consumers read with `Executor.readOutbox`, which gives each committed row a
   * position in commit order, so no row committing late is ever skipped (docs/decisions.md §8).
   */
  event_outbox: {
    columns: {
      seq: { type: 'bigint', generated: true },
      event_type: text,
      event_timestamp: datetime,
      flow_id: optUuid,
      source_id: optUuid,
      payload: { type: 'json' },
    },
    primaryKey: ['seq'],
  },

  /**
   * One row per outbox consumer. `owner` and `lease_expires` are its lease: the one process per
   * deployment allowed to run the consumer (taken and renewed under a row lock).
   */
  outbox_cursors: {
    columns: {
      consumer: text,
      last_seq: { type: 'bigint' },
      owner: optText,
      lease_expires: optDatetime,
      updated: datetime,
    },
    primaryKey: ['consumer'],
  },

  /**
   * Webhook delivery progress, one row per registration (written with it). Events are delivered in
   * outbox order (`readOutbox` positions): every event up to `last_position` was delivered or did not
   * match the registration's filters.
   */
  webhook_deliveries: {
    columns: {
      webhook_id: uuid,
      last_position: { type: 'bigint' },
      /** Failed attempts at the next event since the last success; drives the backoff. */
      failures: { type: 'int', default: { kind: 'literal', value: 0 } },
      next_attempt: optDatetime,
      /** What went wrong last, short and free of secrets (no URL, no api key). */
      last_error: optText,
      last_success: optDatetime,
      updated: datetime,
    },
    primaryKey: ['webhook_id'],
  },

  principals: {
    columns: {
      id: uuid,
      name: text,
      /** Granted scopes: any of read, write, delete, admin. */
      scopes: { type: 'json' },
      disabled: falseBool,
      created: datetime,
      /** scrypt hash for HTTP Basic (`scrypt$N$r$p$salt$key`); null when the principal uses tokens only. */
      password_hash: optText,
    },
    primaryKey: ['id'],
    unique: ['name'],
  },

  /** API tokens are stored only as a SHA-256 hash; the token itself is shown once, at creation. */
  api_tokens: {
    columns: {
      id: uuid,
      principal_id: uuid,
      token_hash: text,
      label: optText,
      /** Optional narrowing of the principal's scopes for this token. */
      scopes: optJson,
      created: datetime,
      expires: optDatetime,
      revoked: optDatetime,
      last_used: optDatetime,
    },
    primaryKey: ['id'],
    unique: ['token_hash'],
  },
} as const satisfies Record<string, TableSpec>;

export type Catalog = typeof catalog;
export type TableName = Extract<keyof Catalog, string>;
export type ColumnName<T extends TableName> = Extract<keyof Catalog[T]['columns'], string>;
type Columns<T extends TableName> = Catalog[T]['columns'];

/** A whole row of table T, as read. */
export type Row<T extends TableName> = {
  -readonly [K in ColumnName<T>]: Columns<T>[K] extends ColumnSpec ? ColumnValue<Columns<T>[K]> : never;
};

type OptionalOnInsert<T extends TableName> = {
  [K in ColumnName<T>]: Columns<T>[K] extends { readonly nullable: true }
    ? K
    : Columns<T>[K] extends { readonly default: object }
      ? K
      : never;
}[ColumnName<T>];

type GeneratedColumn<T extends TableName> = {
  [K in ColumnName<T>]: Columns<T>[K] extends { readonly generated: true } ? K : never;
}[ColumnName<T>];

/** A row as inserted: generated columns absent, nullable and defaulted columns optional. */
export type InsertRow<T extends TableName> = {
  [K in Exclude<ColumnName<T>, OptionalOnInsert<T> | GeneratedColumn<T>>]: Row<T>[K];
} & { [K in Exclude<OptionalOnInsert<T>, GeneratedColumn<T>>]?: Row<T>[K] };

export function isTableName(name: string): name is TableName {
  return Object.prototype.hasOwnProperty.call(catalog, name);
}

export function tableSpec(name: TableName): TableSpec {
  return catalog[name];
}
