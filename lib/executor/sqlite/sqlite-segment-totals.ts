/**
 * Migration 11 on SQLite: each flow's segment count and the end of its latest segment, on the flows row,
 * kept by row triggers in the statement that writes the segments (docs/decisions.md, "Segment totals").
 * Its own file because sqlite-migrations.ts is long; an applied migration is never edited.
 *
 * The latest segment is the last in start order: a flow's segments never overlap, so it also has the
 * greatest end. `last_segment_end` is that end in TAI nanoseconds (whether the end instant is included
 * does not move it), NULL while the flow has no segments.
 */
export const SQLITE_SEGMENT_TOTALS_SQL = `
ALTER TABLE flows ADD COLUMN last_segment_end INTEGER;

-- Backfill, and the count recounted (the domain layer kept it until now).
UPDATE flows SET
  segment_count = (SELECT count(*) FROM segments s WHERE s.flow_id = flows.id),
  last_segment_end = (SELECT s.timerange_end FROM segments s WHERE s.flow_id = flows.id
    ORDER BY s.timerange_start DESC, s.timerange_start_open DESC LIMIT 1);

-- Keyset pages of the flow listing by either figure seek (migration 10's pattern); flows without
-- segments come last, read in id order from the partial index.
CREATE INDEX flows_by_segment_count_id ON flows (segment_count, id);
CREATE INDEX flows_by_last_segment_end_id ON flows (last_segment_end, id);
CREATE INDEX flows_without_segments ON flows (id) WHERE last_segment_end IS NULL;

CREATE TRIGGER segments_totals_insert AFTER INSERT ON segments
BEGIN
  UPDATE flows SET segment_count = segment_count + 1,
    last_segment_end = max(coalesce(last_segment_end, NEW.timerange_end), NEW.timerange_end)
  WHERE id = NEW.flow_id;
END;

-- Removing a segment that ended before the latest end leaves it; otherwise the latest end is read again
-- from the remaining segments (one probe of the primary key from its end).
CREATE TRIGGER segments_totals_delete AFTER DELETE ON segments
BEGIN
  UPDATE flows SET segment_count = segment_count - 1,
    last_segment_end = CASE WHEN last_segment_end > OLD.timerange_end THEN last_segment_end
      ELSE (SELECT s.timerange_end FROM segments s WHERE s.flow_id = OLD.flow_id
        ORDER BY s.timerange_start DESC, s.timerange_start_open DESC LIMIT 1) END
  WHERE id = OLD.flow_id;
END;

-- A flow inserted while segments of its id remain (a flow deleted and created again before its segments
-- were all removed) starts from them, not from zero.
CREATE TRIGGER flows_totals_insert AFTER INSERT ON flows
WHEN NEW.segment_count <> 0 OR NEW.last_segment_end IS NOT NULL
  OR EXISTS (SELECT 1 FROM segments s WHERE s.flow_id = NEW.id)
BEGIN
  UPDATE flows SET
    segment_count = (SELECT count(*) FROM segments s WHERE s.flow_id = NEW.id),
    last_segment_end = (SELECT s.timerange_end FROM segments s WHERE s.flow_id = NEW.id
      ORDER BY s.timerange_start DESC, s.timerange_start_open DESC LIMIT 1)
  WHERE id = NEW.id;
END;
`;
