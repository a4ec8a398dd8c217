/**
 * Migration 11 on PostgreSQL: each flow's segment count and the end of its latest segment, on the flows
 * row, kept by statement triggers over the rows each INSERT or DELETE of segments wrote
 * (docs/decisions.md, "Segment totals"). Same columns and meaning as on SQLite
 * (sqlite-segment-totals.ts); an applied migration is never edited.
 */
export const POSTGRES_SEGMENT_TOTALS_SQL = `
ALTER TABLE flows ADD COLUMN last_segment_end bigint;

-- Backfill, and the count recounted (the domain layer kept it until now).
UPDATE flows f SET segment_count = 0 WHERE segment_count <> 0;
UPDATE flows f SET segment_count = t.n, last_segment_end = t.e
FROM (SELECT flow_id, count(*) AS n, max(timerange_end) AS e FROM segments GROUP BY flow_id) t
WHERE f.id = t.flow_id;

CREATE INDEX flows_by_segment_count_id ON flows (segment_count, id);
CREATE INDEX flows_by_last_segment_end_id ON flows (last_segment_end, id);
CREATE INDEX flows_without_segments ON flows (id) WHERE last_segment_end IS NULL;

-- Commutative (a sum and a greatest), so concurrent writers to one flow need no lock beyond the row's.
CREATE FUNCTION tams_segment_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE flows f SET segment_count = f.segment_count + t.n,
    last_segment_end = greatest(f.last_segment_end, t.e)
  FROM (SELECT flow_id, count(*) AS n, max(timerange_end) AS e FROM new_segments GROUP BY flow_id) t
  WHERE f.id = t.flow_id;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER segments_totals_insert AFTER INSERT ON segments
  REFERENCING NEW TABLE AS new_segments
  FOR EACH STATEMENT EXECUTE FUNCTION tams_segment_totals_insert();

-- When the latest end may have gone, it is read again from the remaining segments, under the flow's
-- advisory lock (the one the overlap guard and the summaries take), so a writer adding segments to the
-- flow concurrently either is seen here or adds its own afterwards.
CREATE FUNCTION tams_segment_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  flow uuid;
BEGIN
  FOR flow IN SELECT DISTINCT flow_id FROM old_segments ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1952542061, hashtext(flow::text));
  END LOOP;
  UPDATE flows f SET segment_count = f.segment_count - t.n,
    last_segment_end = CASE WHEN f.last_segment_end > t.e THEN f.last_segment_end
      ELSE (SELECT s.timerange_end FROM segments s WHERE s.flow_id = f.id
        ORDER BY s.timerange_start DESC, s.timerange_start_open DESC LIMIT 1) END
  FROM (SELECT flow_id, count(*) AS n, max(timerange_end) AS e FROM old_segments GROUP BY flow_id) t
  WHERE f.id = t.flow_id;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER segments_totals_delete AFTER DELETE ON segments
  REFERENCING OLD TABLE AS old_segments
  FOR EACH STATEMENT EXECUTE FUNCTION tams_segment_totals_delete();

-- A flow starts from the segments of its id that remain (a flow deleted and created again before its
-- segments were all removed), whatever the insert said.
CREATE FUNCTION tams_flow_totals_new() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.segment_count := (SELECT count(*) FROM segments s WHERE s.flow_id = NEW.id);
  NEW.last_segment_end := (SELECT s.timerange_end FROM segments s WHERE s.flow_id = NEW.id
    ORDER BY s.timerange_start DESC, s.timerange_start_open DESC LIMIT 1);
  RETURN NEW;
END
$fn$;

CREATE TRIGGER flows_totals_insert BEFORE INSERT ON flows
  FOR EACH ROW EXECUTE FUNCTION tams_flow_totals_new();
`;
