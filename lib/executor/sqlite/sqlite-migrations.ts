import type { Migration } from '../migrations.js';
import { SQLITE_SEGMENT_TOTALS_SQL } from './sqlite-segment-totals.js';

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
  {
    version: 7,
    name: 'object sizes and the ingest index',
    // size_bytes: the stored object's true size, recorded when it is uploaded (NULL: not known yet).
    // segments (flow_id, created): a flow's ingest series reads only the recent rows, not the flow.
    sql: `
ALTER TABLE objects ADD COLUMN size_bytes INTEGER CHECK (size_bytes >= 0);
CREATE INDEX segments_by_flow_created ON segments (flow_id, created);
`,
  },
  {
    version: 8,
    name: 'segment summaries: coverage runs and duration counts',
    // Kept by triggers in the statement that writes the segments (so in its transaction, whichever
    // executor operation wrote them), each step O(log n): coverage and duration statistics then read
    // O(runs) and O(distinct durations) rows instead of the flow's segments (docs/decisions.md, "Segment
    // summaries"). Markers follow the segments' physical convention (start_open, end_closed).
    //
    // segment_runs: the maximal covered intervals of each flow (segments that touch with no uncovered
    // point between them merged). A rowid table with a plain index on the start, so the steps below may
    // pass through states where two rows share a start; every lookup is one probe of that index. Runs of a flow never overlap, never touch, and have no holes.
    // segment_durations: per flow, how many segments last exactly `duration` ns (end − start).
    sql: `
CREATE TABLE segment_runs (
  flow_id TEXT NOT NULL,
  timerange_start INTEGER NOT NULL,
  timerange_start_open INTEGER NOT NULL CHECK (timerange_start_open IN (0, 1)),
  timerange_end INTEGER NOT NULL,
  timerange_end_closed INTEGER NOT NULL CHECK (timerange_end_closed IN (0, 1))
) STRICT;
CREATE INDEX segment_runs_by_start ON segment_runs (flow_id, timerange_start, timerange_start_open);

CREATE TABLE segment_durations (
  flow_id TEXT NOT NULL,
  duration INTEGER NOT NULL,
  segments INTEGER NOT NULL CHECK (segments > 0),
  PRIMARY KEY (flow_id, duration)
) STRICT, WITHOUT ROWID;

-- Backfill from the segments already stored: islands of touching segments in start order.
INSERT INTO segment_durations (flow_id, duration, segments)
SELECT flow_id, timerange_end - timerange_start, count(*) FROM segments GROUP BY 1, 2;

INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
SELECT flow_id,
  max(CASE WHEN first = 1 THEN s END), max(CASE WHEN first = 1 THEN so END),
  max(CASE WHEN last = 1 THEN e END), max(CASE WHEN last = 1 THEN ec END)
FROM (
  SELECT flow_id, s, so, e, ec, first, last,
    sum(first) OVER (PARTITION BY flow_id ORDER BY s, so ROWS UNBOUNDED PRECEDING) AS island
  FROM (
    SELECT flow_id, timerange_start AS s, timerange_start_open AS so, timerange_end AS e,
      timerange_end_closed AS ec,
      CASE WHEN lag(timerange_end) OVER w = timerange_start
        AND (lag(timerange_end_closed) OVER w = 1 OR timerange_start_open = 0) THEN 0 ELSE 1 END AS first,
      CASE WHEN lead(timerange_start) OVER w = timerange_end
        AND (timerange_end_closed = 1 OR lead(timerange_start_open) OVER w = 0) THEN 0 ELSE 1 END AS last
    FROM segments
    WINDOW w AS (PARTITION BY flow_id ORDER BY timerange_start, timerange_start_open)
  )
)
GROUP BY flow_id, island;

-- A new segment S joins the run ending where it starts (L) and the run starting where it ends (R), when
-- they touch it: "touch" means the same instant with one side including it (both excluding it leaves
-- that point uncovered; both including it is an overlap the guard refused). Steps, in order:
--   1. L, if any, is extended over S (and over R, if any);
--   2. if S is now inside a run (step 1 happened), R, if any, is dropped (step 1 absorbed it);
--   3. otherwise R, if any, is extended back over S;
--   4. otherwise S becomes a run of its own.
-- "S is inside a run": the last run starting at or before S reaches S's end.
CREATE TRIGGER segments_summaries_insert AFTER INSERT ON segments
BEGIN
  INSERT INTO segment_durations (flow_id, duration, segments)
  VALUES (NEW.flow_id, NEW.timerange_end - NEW.timerange_start, 1)
  ON CONFLICT (flow_id, duration) DO UPDATE SET segments = segments + 1;

  UPDATE segment_runs SET
    timerange_end = coalesce((SELECT r.timerange_end FROM segment_runs r
      WHERE r.flow_id = NEW.flow_id AND r.timerange_start = NEW.timerange_end
        AND (NEW.timerange_end_closed = 1 OR r.timerange_start_open = 0)
        AND (r.timerange_start, r.timerange_start_open) > (NEW.timerange_start, NEW.timerange_start_open)),
      NEW.timerange_end),
    timerange_end_closed = coalesce((SELECT r.timerange_end_closed FROM segment_runs r
      WHERE r.flow_id = NEW.flow_id AND r.timerange_start = NEW.timerange_end
        AND (NEW.timerange_end_closed = 1 OR r.timerange_start_open = 0)
        AND (r.timerange_start, r.timerange_start_open) > (NEW.timerange_start, NEW.timerange_start_open)),
      NEW.timerange_end_closed)
  -- L can only be the last run starting before S (one probe of the start index).
  WHERE rowid = (SELECT l.id FROM (SELECT x.rowid AS id, x.timerange_end AS e, x.timerange_end_closed AS ec
      FROM segment_runs x
      WHERE x.flow_id = NEW.flow_id
        AND (x.timerange_start, x.timerange_start_open) < (NEW.timerange_start, NEW.timerange_start_open)
      ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1) l
    WHERE l.e = NEW.timerange_start AND (l.ec = 1 OR NEW.timerange_start_open = 0));

  DELETE FROM segment_runs
  WHERE flow_id = NEW.flow_id AND timerange_start = NEW.timerange_end
    AND (NEW.timerange_end_closed = 1 OR timerange_start_open = 0)
    AND (timerange_start, timerange_start_open) > (NEW.timerange_start, NEW.timerange_start_open)
    AND EXISTS (SELECT 1 FROM (SELECT x.timerange_end AS e, x.timerange_end_closed AS ec FROM segment_runs x
        WHERE x.flow_id = NEW.flow_id
          AND (x.timerange_start, x.timerange_start_open) <= (NEW.timerange_start, NEW.timerange_start_open)
        ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1) c
      WHERE c.e > NEW.timerange_end OR (c.e = NEW.timerange_end AND c.ec >= NEW.timerange_end_closed));

  UPDATE segment_runs SET timerange_start = NEW.timerange_start, timerange_start_open = NEW.timerange_start_open
  WHERE flow_id = NEW.flow_id AND timerange_start = NEW.timerange_end
    AND (NEW.timerange_end_closed = 1 OR timerange_start_open = 0)
    AND (timerange_start, timerange_start_open) > (NEW.timerange_start, NEW.timerange_start_open)
    AND NOT EXISTS (SELECT 1 FROM (SELECT x.timerange_end AS e, x.timerange_end_closed AS ec FROM segment_runs x
        WHERE x.flow_id = NEW.flow_id
          AND (x.timerange_start, x.timerange_start_open) <= (NEW.timerange_start, NEW.timerange_start_open)
        ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1) c
      WHERE c.e > NEW.timerange_end OR (c.e = NEW.timerange_end AND c.ec >= NEW.timerange_end_closed));

  INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
  SELECT NEW.flow_id, NEW.timerange_start, NEW.timerange_start_open, NEW.timerange_end, NEW.timerange_end_closed
  WHERE NOT EXISTS (SELECT 1 FROM (SELECT x.timerange_end AS e, x.timerange_end_closed AS ec FROM segment_runs x
        WHERE x.flow_id = NEW.flow_id
          AND (x.timerange_start, x.timerange_start_open) <= (NEW.timerange_start, NEW.timerange_start_open)
        ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1) c
      WHERE c.e > NEW.timerange_end OR (c.e = NEW.timerange_end AND c.ec >= NEW.timerange_end_closed));
END;

-- Removing segment S splits the run M holding it (the last run starting at or before S) into the part
-- before S (ending at S's start, including it when S left it out) and the part after S (starting at S's
-- end, including it when S left it out); either part is absent when S was at that end of M.
CREATE TRIGGER segments_summaries_delete AFTER DELETE ON segments
BEGIN
  DELETE FROM segment_durations
  WHERE flow_id = OLD.flow_id AND duration = OLD.timerange_end - OLD.timerange_start AND segments = 1;
  UPDATE segment_durations SET segments = segments - 1
  WHERE flow_id = OLD.flow_id AND duration = OLD.timerange_end - OLD.timerange_start AND segments > 1;

  INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
  SELECT OLD.flow_id, OLD.timerange_end, OLD.timerange_end_closed, m.e, m.ec
  FROM (SELECT x.timerange_end AS e, x.timerange_end_closed AS ec FROM segment_runs x
    WHERE x.flow_id = OLD.flow_id
      AND (x.timerange_start, x.timerange_start_open) <= (OLD.timerange_start, OLD.timerange_start_open)
    ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1) m
  WHERE NOT (m.e = OLD.timerange_end AND m.ec = OLD.timerange_end_closed);

  UPDATE segment_runs SET timerange_end = OLD.timerange_start, timerange_end_closed = OLD.timerange_start_open
  WHERE rowid = (SELECT x.rowid FROM segment_runs x
      WHERE x.flow_id = OLD.flow_id
        AND (x.timerange_start, x.timerange_start_open) <= (OLD.timerange_start, OLD.timerange_start_open)
      ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1)
    AND NOT (timerange_start = OLD.timerange_start AND timerange_start_open = OLD.timerange_start_open);

  DELETE FROM segment_runs
  WHERE flow_id = OLD.flow_id AND timerange_start = OLD.timerange_start
    AND timerange_start_open = OLD.timerange_start_open;
END;
`,
  },
  {
    version: 9,
    name: 'object size checks',
    // size_checked: when the object sizer last asked the store for the object's size (HEAD on S3).
    // missing_since: a segment names the object but its store lacked the bytes, since then (NULL: fine).
    sql: `
ALTER TABLE objects ADD COLUMN size_checked INTEGER;
ALTER TABLE objects ADD COLUMN missing_since INTEGER;
-- The sizer's work list, and the missing ones storage analytics count: both small partial indexes.
CREATE INDEX objects_unsized ON objects (storage_id, size_checked) WHERE size_bytes IS NULL;
CREATE INDEX objects_missing ON objects (missing_since) WHERE missing_since IS NOT NULL;
`,
  },
  {
    version: 10,
    name: 'flow listing sort indexes',
    // The flow listing sorts by these columns with the id as tie-break and pages by keyset: a
    // (column, id) index is the seek in both directions. A nullable column's nulls come last, read as a
    // second seek in id order (lib/executor/sql/compile-select.ts): a partial index of the ids without a
    // value, as the planner does not take `label IS NULL` as fixing label in a (label, id) index.
    // (label, id) also serves label filters.
    sql: `
DROP INDEX flows_by_label;
CREATE INDEX flows_by_label_id ON flows (label, id);
CREATE INDEX flows_without_label ON flows (id) WHERE label IS NULL;
CREATE INDEX flows_by_codec_id ON flows (codec, id);
CREATE INDEX flows_without_codec ON flows (id) WHERE codec IS NULL;
CREATE INDEX flows_by_format_id ON flows (format, id);
CREATE INDEX flows_by_created_id ON flows (created, id);
`,
  },
  {
    version: 11,
    name: 'segment totals on flows',
    // segment_count and last_segment_end kept by triggers on segments (sqlite-segment-totals.ts): the
    // flow listing sorts and pages by them like by any indexed column.
    sql: SQLITE_SEGMENT_TOTALS_SQL,
  },
];
