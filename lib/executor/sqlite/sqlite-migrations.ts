import type { Migration } from '../migrations.js';

/**
 * SQLite schema, as versioned migrations. Applied migrations are never edited: add a new one.
 * Physical conventions (see catalog/columns.ts): datetimes are epoch milliseconds, booleans 0/1, JSON text,
 * a timerange column `x` is x_start, x_start_open, x_end, x_end_closed (markers NULL = EMPTY range).
 */
export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'tams 7.0 model',
    sql: `
CREATE TABLE service_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE storage_backends (
  id TEXT PRIMARY KEY,
  store_type TEXT NOT NULL,
  provider TEXT NOT NULL,
  store_product TEXT NOT NULL,
  label TEXT,
  region TEXT,
  availability_zone TEXT,
  default_storage INTEGER NOT NULL DEFAULT 0 CHECK (default_storage IN (0, 1)),
  config TEXT,
  created INTEGER NOT NULL
) STRICT;
-- At most one default backend (7.0: "at most one").
CREATE UNIQUE INDEX storage_backends_one_default ON storage_backends (default_storage) WHERE default_storage = 1;

CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  format TEXT NOT NULL,
  label TEXT,
  description TEXT,
  tags TEXT NOT NULL DEFAULT '{}',
  created INTEGER NOT NULL,
  created_by TEXT,
  updated INTEGER NOT NULL,
  updated_by TEXT
) STRICT;
CREATE INDEX sources_by_label ON sources (label);
CREATE INDEX sources_by_format ON sources (format);

CREATE TABLE flows (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL,
  format TEXT NOT NULL,
  codec TEXT,
  container TEXT,
  label TEXT,
  description TEXT,
  tags TEXT NOT NULL DEFAULT '{}',
  read_only INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1)),
  generation INTEGER,
  frame_width INTEGER,
  frame_height INTEGER,
  essence_parameters TEXT,
  segment_duration TEXT,
  container_mapping TEXT,
  avg_bit_rate INTEGER,
  max_bit_rate INTEGER,
  extra TEXT,
  created INTEGER NOT NULL,
  created_by TEXT,
  updated_by TEXT,
  metadata_updated INTEGER NOT NULL,
  metadata_version TEXT NOT NULL,
  segments_updated INTEGER,
  timerange_start INTEGER,
  timerange_start_open INTEGER CHECK (timerange_start_open IN (0, 1)),
  timerange_end INTEGER,
  timerange_end_closed INTEGER CHECK (timerange_end_closed IN (0, 1)),
  CHECK ((timerange_start_open IS NULL) = (timerange_end_closed IS NULL)),
  CHECK (timerange_start_open IS NULL OR (timerange_start IS NOT NULL AND timerange_end IS NOT NULL))
) STRICT;
CREATE INDEX flows_by_source ON flows (source_id);
CREATE INDEX flows_by_label ON flows (label);
CREATE INDEX flows_by_format_codec ON flows (format, codec);

CREATE TABLE flow_collection_items (
  collection_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  member_id TEXT NOT NULL,
  role TEXT NOT NULL,
  container_mapping TEXT,
  PRIMARY KEY (collection_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX flow_collection_items_by_member ON flow_collection_items (member_id);

-- Segments are clustered by (flow, start): a window of one flow is one contiguous range of the b-tree.
CREATE TABLE segments (
  flow_id TEXT NOT NULL,
  timerange_start INTEGER NOT NULL,
  timerange_start_open INTEGER NOT NULL CHECK (timerange_start_open IN (0, 1)),
  timerange_end INTEGER NOT NULL,
  timerange_end_closed INTEGER NOT NULL CHECK (timerange_end_closed IN (0, 1)),
  object_id TEXT NOT NULL,
  ts_offset INTEGER NOT NULL DEFAULT 0,
  last_duration INTEGER,
  sample_offset INTEGER,
  sample_count INTEGER,
  key_frame_count INTEGER,
  get_urls TEXT,
  created INTEGER NOT NULL,
  PRIMARY KEY (flow_id, timerange_start, timerange_start_open),
  -- Never empty: start < end, or an instant [t] with both markers inclusive.
  CHECK (timerange_start < timerange_end
    OR (timerange_start = timerange_end AND timerange_start_open = 0 AND timerange_end_closed = 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX segments_by_object ON segments (object_id, flow_id);

-- Overlap guard. Stored segments of a flow never overlap, so a new one can only overlap its neighbours in
-- start order: the last segment starting at or before it, and the first starting after it. Writers are
-- serialised by SQLite's write lock, so check-then-insert cannot race.
CREATE TRIGGER segments_no_overlap BEFORE INSERT ON segments
BEGIN
  SELECT RAISE(ABORT, 'TAMS_SEGMENT_OVERLAP')
  WHERE EXISTS (
      SELECT 1 FROM (
        SELECT timerange_end AS e, timerange_end_closed AS ec FROM segments
        WHERE flow_id = NEW.flow_id
          AND (timerange_start, timerange_start_open) <= (NEW.timerange_start, NEW.timerange_start_open)
        ORDER BY timerange_start DESC, timerange_start_open DESC LIMIT 1) p
      WHERE p.e > NEW.timerange_start
         OR (p.e = NEW.timerange_start AND p.ec = 1 AND NEW.timerange_start_open = 0))
    OR EXISTS (
      SELECT 1 FROM (
        SELECT timerange_start AS s, timerange_start_open AS so FROM segments
        WHERE flow_id = NEW.flow_id
          AND (timerange_start, timerange_start_open) > (NEW.timerange_start, NEW.timerange_start_open)
        ORDER BY timerange_start ASC, timerange_start_open ASC LIMIT 1) q
      WHERE NEW.timerange_end > q.s
         OR (NEW.timerange_end = q.s AND NEW.timerange_end_closed = 1 AND q.so = 0));
END;

-- Segments are immutable (7.0: clients delete and re-add); moving one could also bypass the overlap guard.
CREATE TRIGGER segments_immutable BEFORE UPDATE OF
  flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed ON segments
BEGIN
  SELECT RAISE(ABORT, 'TAMS_IMMUTABLE_COLUMN');
END;

CREATE TABLE objects (
  id TEXT PRIMARY KEY,
  storage_id TEXT,
  allocated_for_flow_id TEXT,
  first_referenced_by_flow_id TEXT,
  created INTEGER NOT NULL,
  upload_expires INTEGER
) STRICT;
CREATE INDEX objects_unregistered ON objects (upload_expires) WHERE first_referenced_by_flow_id IS NULL;

CREATE TABLE flow_object_refs (
  flow_id TEXT NOT NULL,
  object_id TEXT NOT NULL,
  segment_count INTEGER NOT NULL CHECK (segment_count >= 0),
  PRIMARY KEY (flow_id, object_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX flow_object_refs_by_object ON flow_object_refs (object_id, flow_id);

CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  identity TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  api_key_name TEXT,
  api_key_value TEXT,
  events TEXT NOT NULL,
  flow_ids TEXT,
  source_ids TEXT,
  flow_collected_by_ids TEXT,
  source_collected_by_ids TEXT,
  accept_get_urls TEXT,
  accept_storage_ids TEXT,
  presigned INTEGER CHECK (presigned IN (0, 1)),
  verbose_storage INTEGER CHECK (verbose_storage IN (0, 1)),
  owner TEXT,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
) STRICT;

CREATE TABLE flow_delete_requests (
  id TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL,
  timerange_to_delete_start INTEGER,
  timerange_to_delete_start_open INTEGER CHECK (timerange_to_delete_start_open IN (0, 1)),
  timerange_to_delete_end INTEGER,
  timerange_to_delete_end_closed INTEGER CHECK (timerange_to_delete_end_closed IN (0, 1)),
  timerange_remaining_start INTEGER,
  timerange_remaining_start_open INTEGER CHECK (timerange_remaining_start_open IN (0, 1)),
  timerange_remaining_end INTEGER,
  timerange_remaining_end_closed INTEGER CHECK (timerange_remaining_end_closed IN (0, 1)),
  object_id TEXT,
  delete_flow INTEGER NOT NULL CHECK (delete_flow IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('created', 'started', 'done', 'error')),
  error TEXT,
  created INTEGER NOT NULL,
  created_by TEXT,
  updated INTEGER NOT NULL,
  expiry INTEGER
) STRICT;
CREATE INDEX flow_delete_requests_by_status ON flow_delete_requests (status, created);

-- AUTOINCREMENT: sequence numbers are never reused, also after the outbox is pruned.
CREATE TABLE event_outbox (
  seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  event_type TEXT NOT NULL,
  event_timestamp INTEGER NOT NULL,
  flow_id TEXT,
  source_id TEXT,
  payload TEXT NOT NULL
) STRICT;

CREATE TABLE outbox_cursors (
  consumer TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  updated INTEGER NOT NULL
) STRICT;

CREATE TABLE principals (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created INTEGER NOT NULL
) STRICT;

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  label TEXT,
  scopes TEXT,
  created INTEGER NOT NULL,
  expires INTEGER,
  revoked INTEGER,
  last_used INTEGER
) STRICT;
CREATE INDEX api_tokens_by_principal ON api_tokens (principal_id);
`,
  },
  {
    version: 2,
    name: 'flow segment counts',
    sql: `ALTER TABLE flows ADD COLUMN segment_count INTEGER NOT NULL DEFAULT 0 CHECK (segment_count >= 0);`,
  },
  {
    version: 3,
    name: 'object garbage-collection marks',
    sql: `
ALTER TABLE objects ADD COLUMN gc_candidate_since INTEGER;
CREATE INDEX objects_gc_candidates ON objects (gc_candidate_since) WHERE gc_candidate_since IS NOT NULL;
`,
  },
  {
    version: 4,
    name: 'webhook delivery state and the dispatcher lease',
    // The outbox needs nothing: one writer at a time makes seq order commit order, so seq is the position.
    sql: `
ALTER TABLE outbox_cursors ADD COLUMN owner TEXT;
ALTER TABLE outbox_cursors ADD COLUMN lease_expires INTEGER;

CREATE TABLE webhook_deliveries (
  webhook_id TEXT PRIMARY KEY,
  last_position INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  next_attempt INTEGER,
  last_error TEXT,
  last_success INTEGER,
  updated INTEGER NOT NULL
) STRICT;

-- Registrations made before delivery existed start at the current head, as new ones do.
INSERT INTO webhook_deliveries (webhook_id, last_position, failures, updated)
SELECT id, (SELECT coalesce(max(seq), 0) FROM event_outbox), 0, updated FROM webhooks;
`,
  },
  {
    version: 5,
    name: 'passwords for HTTP Basic',
    // A self-describing scrypt hash (scrypt$N$r$p$salt$key); null for principals that use tokens only.
    sql: `ALTER TABLE principals ADD COLUMN password_hash TEXT;`,
  },
  {
    version: 6,
    name: 'unset flow and source properties',
    // 7.0 gives tags and read_only no default: NULL now means "never set", so the columns lose NOT NULL
    // and their defaults. SQLite cannot drop a NOT NULL, hence the rebuilds (same columns, same indexes).
    // Rows stored before keep their {} and false: whether a client set them cannot be known, and keeping
    // them drops nothing a client may have sent. Flows that have collection items had their collection set.
    sql: `
CREATE TABLE flows_new (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL,
  format TEXT NOT NULL,
  codec TEXT,
  container TEXT,
  label TEXT,
  description TEXT,
  tags TEXT,
  read_only INTEGER CHECK (read_only IN (0, 1)),
  generation INTEGER,
  frame_width INTEGER,
  frame_height INTEGER,
  essence_parameters TEXT,
  segment_duration TEXT,
  container_mapping TEXT,
  avg_bit_rate INTEGER,
  max_bit_rate INTEGER,
  extra TEXT,
  created INTEGER NOT NULL,
  created_by TEXT,
  updated_by TEXT,
  metadata_updated INTEGER NOT NULL,
  metadata_version TEXT NOT NULL,
  segments_updated INTEGER,
  timerange_start INTEGER,
  timerange_start_open INTEGER CHECK (timerange_start_open IN (0, 1)),
  timerange_end INTEGER,
  timerange_end_closed INTEGER CHECK (timerange_end_closed IN (0, 1)),
  segment_count INTEGER NOT NULL DEFAULT 0 CHECK (segment_count >= 0),
  flow_collection_set INTEGER NOT NULL DEFAULT 0 CHECK (flow_collection_set IN (0, 1)),
  CHECK ((timerange_start_open IS NULL) = (timerange_end_closed IS NULL)),
  CHECK (timerange_start_open IS NULL OR (timerange_start IS NOT NULL AND timerange_end IS NOT NULL))
) STRICT;
INSERT INTO flows_new (id, source_id, format, codec, container, label, description, tags, read_only, generation,
  frame_width, frame_height, essence_parameters, segment_duration, container_mapping, avg_bit_rate, max_bit_rate,
  extra, created, created_by, updated_by, metadata_updated, metadata_version, segments_updated, timerange_start,
  timerange_start_open, timerange_end, timerange_end_closed, segment_count, flow_collection_set)
SELECT id, source_id, format, codec, container, label, description, tags, read_only, generation,
  frame_width, frame_height, essence_parameters, segment_duration, container_mapping, avg_bit_rate, max_bit_rate,
  extra, created, created_by, updated_by, metadata_updated, metadata_version, segments_updated, timerange_start,
  timerange_start_open, timerange_end, timerange_end_closed, segment_count,
  EXISTS (SELECT 1 FROM flow_collection_items i WHERE i.collection_id = flows.id)
FROM flows;
DROP TABLE flows;
ALTER TABLE flows_new RENAME TO flows;
CREATE INDEX flows_by_source ON flows (source_id);
CREATE INDEX flows_by_label ON flows (label);
CREATE INDEX flows_by_format_codec ON flows (format, codec);

CREATE TABLE sources_new (
  id TEXT PRIMARY KEY,
  format TEXT NOT NULL,
  label TEXT,
  description TEXT,
  tags TEXT,
  created INTEGER NOT NULL,
  created_by TEXT,
  updated INTEGER NOT NULL,
  updated_by TEXT
) STRICT;
INSERT INTO sources_new (id, format, label, description, tags, created, created_by, updated, updated_by)
SELECT id, format, label, description, tags, created, created_by, updated, updated_by FROM sources;
DROP TABLE sources;
ALTER TABLE sources_new RENAME TO sources;
CREATE INDEX sources_by_label ON sources (label);
CREATE INDEX sources_by_format ON sources (format);
`,
  },
];
