import type { Migration } from '../migrations.js';
import { POSTGRES_SEGMENT_TOTALS_SQL } from './postgres-segment-totals.js';
import { SEGMENT_SUMMARIES_SQL } from './postgres-segment-summaries.js';

/**
 * PostgreSQL schema, as versioned migrations. Applied migrations are never edited: add a new one.
 *
 * Kept Citus-friendly: the segment and flow-object tables are keyed by flow id first (their distribution
 * column), the overlap guard only looks inside one flow, and there are no foreign keys between entity
 * tables. Physical conventions: see catalog/columns.ts.
 */
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'tams 7.0 model',
    sql: `
CREATE TABLE service_settings (
  name text PRIMARY KEY,
  value jsonb NOT NULL
);

CREATE TABLE storage_backends (
  id uuid PRIMARY KEY,
  store_type text NOT NULL,
  provider text NOT NULL,
  store_product text NOT NULL,
  label text,
  region text,
  availability_zone text,
  default_storage boolean NOT NULL DEFAULT false,
  config jsonb,
  created timestamptz NOT NULL
);
CREATE UNIQUE INDEX storage_backends_one_default ON storage_backends (default_storage) WHERE default_storage;

CREATE TABLE sources (
  id uuid PRIMARY KEY,
  format text NOT NULL,
  label text,
  description text,
  tags jsonb NOT NULL DEFAULT '{}',
  created timestamptz NOT NULL,
  created_by text,
  updated timestamptz NOT NULL,
  updated_by text
);
CREATE INDEX sources_by_label ON sources (label);
CREATE INDEX sources_by_format ON sources (format);
CREATE INDEX sources_by_tags ON sources USING gin (tags);

CREATE TABLE flows (
  id uuid PRIMARY KEY,
  source_id uuid NOT NULL,
  format text NOT NULL,
  codec text,
  container text,
  label text,
  description text,
  tags jsonb NOT NULL DEFAULT '{}',
  read_only boolean NOT NULL DEFAULT false,
  generation bigint,
  frame_width bigint,
  frame_height bigint,
  essence_parameters jsonb,
  segment_duration jsonb,
  container_mapping jsonb,
  avg_bit_rate bigint,
  max_bit_rate bigint,
  extra jsonb,
  created timestamptz NOT NULL,
  created_by text,
  updated_by text,
  metadata_updated timestamptz NOT NULL,
  metadata_version text NOT NULL,
  segments_updated timestamptz,
  timerange_start bigint,
  timerange_start_open boolean,
  timerange_end bigint,
  timerange_end_closed boolean,
  CHECK ((timerange_start_open IS NULL) = (timerange_end_closed IS NULL)),
  CHECK (timerange_start_open IS NULL OR (timerange_start IS NOT NULL AND timerange_end IS NOT NULL))
);
CREATE INDEX flows_by_source ON flows (source_id);
CREATE INDEX flows_by_label ON flows (label);
CREATE INDEX flows_by_format_codec ON flows (format, codec);
CREATE INDEX flows_by_tags ON flows USING gin (tags);

CREATE TABLE flow_collection_items (
  collection_id uuid NOT NULL,
  position bigint NOT NULL,
  member_id uuid NOT NULL,
  role text NOT NULL,
  container_mapping jsonb,
  PRIMARY KEY (collection_id, position)
);
CREATE INDEX flow_collection_items_by_member ON flow_collection_items (member_id);

CREATE TABLE segments (
  flow_id uuid NOT NULL,
  timerange_start bigint NOT NULL,
  timerange_start_open boolean NOT NULL,
  timerange_end bigint NOT NULL,
  timerange_end_closed boolean NOT NULL,
  object_id text NOT NULL,
  ts_offset bigint NOT NULL DEFAULT 0,
  last_duration bigint,
  sample_offset bigint,
  sample_count bigint,
  key_frame_count bigint,
  get_urls jsonb,
  created timestamptz NOT NULL,
  PRIMARY KEY (flow_id, timerange_start, timerange_start_open),
  -- Never empty: start < end, or an instant [t] with both markers inclusive.
  CHECK (timerange_start < timerange_end
    OR (timerange_start = timerange_end AND NOT timerange_start_open AND timerange_end_closed))
);
CREATE INDEX segments_by_object ON segments (object_id, flow_id);

-- Overlap guard, checked once per INSERT statement over the rows it added. Stored segments of a flow
-- never overlap, so after an insert any overlap shows between neighbours in start order: each new row is
-- compared with its predecessor and successor (two index probes). Concurrent writers to one flow are
-- serialised by a per-flow advisory lock taken before the check; at READ COMMITTED the check's snapshot
-- is taken after the lock is granted, so it sees every segment committed before. Higher isolation levels
-- would check against an older snapshot, so they are refused.
CREATE FUNCTION tams_segments_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  flow uuid;
  bad record;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'segments must be written at READ COMMITTED isolation (the overlap guard relies on it)'
      USING ERRCODE = 'TAM03';
  END IF;
  FOR flow IN SELECT DISTINCT flow_id FROM new_segments ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1952542061, hashtext(flow::text));
  END LOOP;
  SELECT n.flow_id, n.timerange_start INTO bad
  FROM new_segments n
  WHERE EXISTS (
      SELECT 1 FROM (
        SELECT s.timerange_end AS e, s.timerange_end_closed AS ec FROM segments s
        WHERE s.flow_id = n.flow_id
          AND (s.timerange_start, s.timerange_start_open) < (n.timerange_start, n.timerange_start_open)
        ORDER BY s.timerange_start DESC, s.timerange_start_open DESC LIMIT 1) p
      WHERE p.e > n.timerange_start OR (p.e = n.timerange_start AND p.ec AND NOT n.timerange_start_open))
    OR EXISTS (
      SELECT 1 FROM (
        SELECT s.timerange_start AS st, s.timerange_start_open AS so FROM segments s
        WHERE s.flow_id = n.flow_id
          AND (s.timerange_start, s.timerange_start_open) > (n.timerange_start, n.timerange_start_open)
        ORDER BY s.timerange_start ASC, s.timerange_start_open ASC LIMIT 1) q
      WHERE n.timerange_end > q.st OR (n.timerange_end = q.st AND n.timerange_end_closed AND NOT q.so))
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'segment starting at % ns overlaps another segment of flow %', bad.timerange_start, bad.flow_id
      USING ERRCODE = 'TAM01';
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER segments_no_overlap AFTER INSERT ON segments
  REFERENCING NEW TABLE AS new_segments
  FOR EACH STATEMENT EXECUTE FUNCTION tams_segments_no_overlap();

-- Segments are immutable (7.0: clients delete and re-add); moving one could also bypass the overlap guard.
CREATE FUNCTION tams_segments_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'segment flow and timerange cannot change after insert' USING ERRCODE = 'TAM02';
END
$fn$;

CREATE TRIGGER segments_immutable BEFORE UPDATE OF
  flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed ON segments
  FOR EACH ROW EXECUTE FUNCTION tams_segments_immutable();

CREATE TABLE objects (
  id text PRIMARY KEY,
  storage_id uuid,
  allocated_for_flow_id uuid,
  first_referenced_by_flow_id uuid,
  created timestamptz NOT NULL,
  upload_expires timestamptz
);
CREATE INDEX objects_unregistered ON objects (upload_expires) WHERE first_referenced_by_flow_id IS NULL;

CREATE TABLE flow_object_refs (
  flow_id uuid NOT NULL,
  object_id text NOT NULL,
  segment_count bigint NOT NULL CHECK (segment_count >= 0),
  PRIMARY KEY (flow_id, object_id)
);
CREATE INDEX flow_object_refs_by_object ON flow_object_refs (object_id, flow_id);

CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  identity text NOT NULL UNIQUE,
  url text NOT NULL,
  api_key_name text,
  api_key_value text,
  events jsonb NOT NULL,
  flow_ids jsonb,
  source_ids jsonb,
  flow_collected_by_ids jsonb,
  source_collected_by_ids jsonb,
  accept_get_urls jsonb,
  accept_storage_ids jsonb,
  presigned boolean,
  verbose_storage boolean,
  owner text,
  created timestamptz NOT NULL,
  updated timestamptz NOT NULL
);

CREATE TABLE flow_delete_requests (
  id uuid PRIMARY KEY,
  flow_id uuid NOT NULL,
  timerange_to_delete_start bigint,
  timerange_to_delete_start_open boolean,
  timerange_to_delete_end bigint,
  timerange_to_delete_end_closed boolean,
  timerange_remaining_start bigint,
  timerange_remaining_start_open boolean,
  timerange_remaining_end bigint,
  timerange_remaining_end_closed boolean,
  object_id text,
  delete_flow boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('created', 'started', 'done', 'error')),
  error jsonb,
  created timestamptz NOT NULL,
  created_by text,
  updated timestamptz NOT NULL,
  expiry timestamptz
);
CREATE INDEX flow_delete_requests_by_status ON flow_delete_requests (status, created);

CREATE TABLE event_outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type text NOT NULL,
  event_timestamp timestamptz NOT NULL,
  flow_id uuid,
  source_id uuid,
  payload jsonb NOT NULL
);

CREATE TABLE outbox_cursors (
  consumer text PRIMARY KEY,
  last_seq bigint NOT NULL,
  updated timestamptz NOT NULL
);

CREATE TABLE principals (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  scopes jsonb NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created timestamptz NOT NULL
);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  principal_id uuid NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  label text,
  scopes jsonb,
  created timestamptz NOT NULL,
  expires timestamptz,
  revoked timestamptz,
  last_used timestamptz
);
CREATE INDEX api_tokens_by_principal ON api_tokens (principal_id);
`,
  },
  {
    version: 2,
    name: 'flow segment counts',
    sql: `ALTER TABLE flows ADD COLUMN segment_count bigint NOT NULL DEFAULT 0 CHECK (segment_count >= 0);`,
  },
  {
    version: 3,
    name: 'object garbage-collection marks',
    sql: `
ALTER TABLE objects ADD COLUMN gc_candidate_since timestamptz;
CREATE INDEX objects_gc_candidates ON objects (gc_candidate_since) WHERE gc_candidate_since IS NOT NULL;
`,
  },
  {
    version: 4,
    name: 'outbox release order, webhook delivery state and the dispatcher lease',
    sql: `
ALTER TABLE outbox_cursors ADD COLUMN owner text, ADD COLUMN lease_expires timestamptz;

CREATE TABLE webhook_deliveries (
  webhook_id uuid PRIMARY KEY,
  last_position bigint NOT NULL,
  failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  next_attempt timestamptz,
  last_error text,
  last_success timestamptz,
  updated timestamptz NOT NULL
);

-- Commit-order-safe outbox reads (docs/decisions.md §8). seq is taken at insert and transactions commit
-- out of seq order, so "seq > cursor" can skip a row that commits late. readOutbox instead releases
-- committed rows in batches: one releaser at a time (an advisory lock held until it commits) numbers the
-- rows it can see after the highest release_seq so far. A row committing late gets a later number, so
-- consumers reading "release_seq > cursor" see every committed row once, in commit order. Internal:
-- the catalog does not list the column (callers see it as readOutbox's position).
ALTER TABLE event_outbox ADD COLUMN release_seq bigint;
UPDATE event_outbox SET release_seq = seq;
CREATE UNIQUE INDEX event_outbox_by_release ON event_outbox (release_seq);
CREATE INDEX event_outbox_unreleased ON event_outbox (seq) WHERE release_seq IS NULL;

-- Registrations made before delivery existed start at the current head, as new ones do.
INSERT INTO webhook_deliveries (webhook_id, last_position, failures, updated)
SELECT id, (SELECT coalesce(max(release_seq), 0) FROM event_outbox), 0, updated FROM webhooks;
`,
  },
  {
    version: 5,
    name: 'passwords for HTTP Basic',
    // A self-describing scrypt hash (scrypt$N$r$p$salt$key); null for principals that use tokens only.
    sql: `ALTER TABLE principals ADD COLUMN password_hash text;`,
  },
  {
    version: 6,
    name: 'unset flow and source properties',
    // 7.0 gives tags and read_only no default: NULL now means "never set". Rows stored before keep their
    // {} and false: whether a client set them cannot be known, and keeping them drops nothing a client
    // may have sent. Flows that have collection items had their collection set.
    sql: `
ALTER TABLE flows
  ALTER COLUMN tags DROP NOT NULL,
  ALTER COLUMN tags DROP DEFAULT,
  ALTER COLUMN read_only DROP NOT NULL,
  ALTER COLUMN read_only DROP DEFAULT,
  ADD COLUMN flow_collection_set boolean NOT NULL DEFAULT false;
UPDATE flows SET flow_collection_set = true
WHERE id IN (SELECT collection_id FROM flow_collection_items);
ALTER TABLE sources ALTER COLUMN tags DROP NOT NULL, ALTER COLUMN tags DROP DEFAULT;
`,
  },
  {
    version: 7,
    name: 'object sizes and the ingest index',
    // size_bytes: the stored object's true size, recorded when it is uploaded (NULL: not known yet).
    // segments (flow_id, created): a flow's ingest series reads only the recent rows, not the flow.
    sql: `
ALTER TABLE objects ADD COLUMN size_bytes bigint CHECK (size_bytes >= 0);
CREATE INDEX segments_by_flow_created ON segments (flow_id, created);
`,
  },
  {
    version: 8,
    name: 'segment summaries: coverage runs and duration counts',
    // Kept by statement-level triggers over the rows each INSERT or DELETE wrote (set-based, one pass per
    // statement, in its transaction, under the flow's advisory lock that the overlap guard also takes):
    // coverage and duration statistics then read O(runs) and O(distinct durations) rows instead of the
    // flow's segments (docs/decisions.md, "Segment summaries"). Same tables and meaning as on SQLite.
    sql: SEGMENT_SUMMARIES_SQL,
  },
  {
    version: 9,
    name: 'object size checks',
    // size_checked: when the object sizer last asked the store for the object's size (HEAD on S3).
    // missing_since: a segment names the object but its store lacked the bytes, since then (NULL: fine).
    sql: `
ALTER TABLE objects ADD COLUMN size_checked timestamptz;
ALTER TABLE objects ADD COLUMN missing_since timestamptz;
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
    // segment_count and last_segment_end kept by statement triggers on segments
    // (postgres-segment-totals.ts): the flow listing sorts and pages by them like by any indexed column.
    sql: POSTGRES_SEGMENT_TOTALS_SQL,
  },
];

/**
 * Physical columns a backend keeps for itself, invisible to the catalog and to callers: the contract's
 * catalog-matches-schema check leaves them out.
 */
export const postgresInternalColumns: Readonly<Record<string, readonly string[]>> = {
  event_outbox: ['release_seq'],
};
