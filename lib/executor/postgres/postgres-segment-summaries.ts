/**
 * Migration 8 on PostgreSQL: the segment summaries (coverage runs and duration counts) and the
 * statement-level triggers that keep them (docs/decisions.md §43). Its own file because of its length;
 * an applied migration is never edited.
 */
export const SEGMENT_SUMMARIES_SQL = `
CREATE TABLE segment_runs (
  flow_id uuid NOT NULL,
  timerange_start bigint NOT NULL,
  timerange_start_open boolean NOT NULL,
  timerange_end bigint NOT NULL,
  timerange_end_closed boolean NOT NULL,
  PRIMARY KEY (flow_id, timerange_start, timerange_start_open)
);
CREATE INDEX segment_runs_by_end ON segment_runs (flow_id, timerange_end);

CREATE TABLE segment_durations (
  flow_id uuid NOT NULL,
  duration bigint NOT NULL,
  segments bigint NOT NULL CHECK (segments >= 0),
  PRIMARY KEY (flow_id, duration)
);

-- Backfill. The maximal runs of non-overlapping intervals: an interval starts a run unless the previous
-- one (in start order) touches it; it ends one unless the next one touches it.
INSERT INTO segment_durations (flow_id, duration, segments)
SELECT flow_id, timerange_end - timerange_start, count(*) FROM segments GROUP BY 1, 2;

INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
SELECT flow_id, max(s) FILTER (WHERE first), bool_or(so) FILTER (WHERE first),
  max(e) FILTER (WHERE last), bool_or(ec) FILTER (WHERE last)
FROM (
  SELECT *, sum(CASE WHEN first THEN 1 ELSE 0 END)
    OVER (PARTITION BY flow_id ORDER BY s, so ROWS UNBOUNDED PRECEDING) AS island
  FROM (
    SELECT flow_id, timerange_start AS s, timerange_start_open AS so, timerange_end AS e,
      timerange_end_closed AS ec,
      NOT coalesce(lag(timerange_end) OVER w = timerange_start
        AND (lag(timerange_end_closed) OVER w OR NOT timerange_start_open), false) AS first,
      NOT coalesce(lead(timerange_start) OVER w = timerange_end
        AND (timerange_end_closed OR NOT lead(timerange_start_open) OVER w), false) AS last
    FROM segments
    WINDOW w AS (PARTITION BY flow_id ORDER BY timerange_start, timerange_start_open)
  ) a
) b
GROUP BY flow_id, island;

-- New segments: the runs touching one of them (ending where it starts, or starting where it ends, with
-- one side including that instant) are taken out and merged with the new segments into maximal runs.
CREATE FUNCTION tams_segment_summaries_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  flow uuid;
  run_flows uuid[];
  run_starts bigint[];
  run_starts_open boolean[];
  run_ends bigint[];
  run_ends_closed boolean[];
  one record;
  has_l boolean;
  has_r boolean;
  l_s bigint;
  l_so boolean;
  r_s bigint;
  r_so boolean;
  r_e bigint;
  r_ec boolean;
BEGIN
  -- One new segment (live ingest, TAMS bulk registration row by row): the same merge as below, as
  -- index probes and one write, without planning the set-based statements again for every row.
  IF (SELECT count(*) FROM new_segments) = 1 THEN
    SELECT * INTO one FROM new_segments;
    PERFORM pg_advisory_xact_lock(1952542061, hashtext(one.flow_id::text));
    INSERT INTO segment_durations AS d (flow_id, duration, segments)
    VALUES (one.flow_id, one.timerange_end - one.timerange_start, 1)
    ON CONFLICT (flow_id, duration) DO UPDATE SET segments = d.segments + 1;
    SELECT x.timerange_start, x.timerange_start_open INTO l_s, l_so FROM segment_runs x
    WHERE x.flow_id = one.flow_id AND x.timerange_end = one.timerange_start
      AND (x.timerange_end_closed OR NOT one.timerange_start_open)
      AND (x.timerange_start, x.timerange_start_open) < (one.timerange_start, one.timerange_start_open);
    has_l := FOUND;
    SELECT x.timerange_start, x.timerange_start_open, x.timerange_end, x.timerange_end_closed
    INTO r_s, r_so, r_e, r_ec FROM segment_runs x
    WHERE x.flow_id = one.flow_id AND x.timerange_start = one.timerange_end
      AND (one.timerange_end_closed OR NOT x.timerange_start_open)
      AND (x.timerange_start, x.timerange_start_open) > (one.timerange_start, one.timerange_start_open);
    has_r := FOUND;
    IF has_r THEN
      DELETE FROM segment_runs
      WHERE flow_id = one.flow_id AND timerange_start = r_s AND timerange_start_open = r_so;
    END IF;
    IF has_l THEN
      UPDATE segment_runs
      SET timerange_end = CASE WHEN has_r THEN r_e ELSE one.timerange_end END,
        timerange_end_closed = CASE WHEN has_r THEN r_ec ELSE one.timerange_end_closed END
      WHERE flow_id = one.flow_id AND timerange_start = l_s AND timerange_start_open = l_so;
    ELSE
      INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
      VALUES (one.flow_id, one.timerange_start, one.timerange_start_open,
        CASE WHEN has_r THEN r_e ELSE one.timerange_end END,
        CASE WHEN has_r THEN r_ec ELSE one.timerange_end_closed END);
    END IF;
    RETURN NULL;
  END IF;

  FOR flow IN SELECT DISTINCT flow_id FROM new_segments ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1952542061, hashtext(flow::text));
  END LOOP;
  INSERT INTO segment_durations AS d (flow_id, duration, segments)
  SELECT flow_id, timerange_end - timerange_start, count(*) FROM new_segments GROUP BY 1, 2
  ON CONFLICT (flow_id, duration) DO UPDATE SET segments = d.segments + EXCLUDED.segments;

  -- Two equality joins (each an index probe or a hash join per new segment), not one OR join, which
  -- could only compare every run with every new segment.
  WITH touching AS (
    SELECT x.flow_id, x.timerange_start, x.timerange_start_open
    FROM new_segments n JOIN segment_runs x ON x.flow_id = n.flow_id AND x.timerange_end = n.timerange_start
    WHERE (x.timerange_end_closed OR NOT n.timerange_start_open)
      AND (x.timerange_start, x.timerange_start_open) < (n.timerange_start, n.timerange_start_open)
    UNION
    SELECT x.flow_id, x.timerange_start, x.timerange_start_open
    FROM new_segments n JOIN segment_runs x ON x.flow_id = n.flow_id AND x.timerange_start = n.timerange_end
    WHERE (n.timerange_end_closed OR NOT x.timerange_start_open)
      AND (x.timerange_start, x.timerange_start_open) > (n.timerange_start, n.timerange_start_open)
  ), touched AS (
    DELETE FROM segment_runs r USING touching t
    WHERE r.flow_id = t.flow_id AND r.timerange_start = t.timerange_start
      AND r.timerange_start_open = t.timerange_start_open
    RETURNING r.flow_id, r.timerange_start AS s, r.timerange_start_open AS so, r.timerange_end AS e,
      r.timerange_end_closed AS ec
  ), pieces AS (
    SELECT * FROM touched
    UNION ALL
    SELECT flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed FROM new_segments
  ), marked AS (
    SELECT *,
      NOT coalesce(lag(e) OVER w = s AND (lag(ec) OVER w OR NOT so), false) AS first,
      NOT coalesce(lead(s) OVER w = e AND (ec OR NOT lead(so) OVER w), false) AS last
    FROM pieces WINDOW w AS (PARTITION BY flow_id ORDER BY s, so)
  ), islands AS (
    SELECT flow_id, max(s) FILTER (WHERE first) AS s, bool_or(so) FILTER (WHERE first) AS so,
      max(e) FILTER (WHERE last) AS e, bool_or(ec) FILTER (WHERE last) AS ec
    FROM (SELECT *, sum(CASE WHEN first THEN 1 ELSE 0 END)
        OVER (PARTITION BY flow_id ORDER BY s, so ROWS UNBOUNDED PRECEDING) AS island FROM marked) m
    GROUP BY flow_id, island
  )
  SELECT array_agg(i.flow_id), array_agg(i.s), array_agg(i.so), array_agg(i.e), array_agg(i.ec)
  INTO run_flows, run_starts, run_starts_open, run_ends, run_ends_closed FROM islands i;
  -- A second statement: the merged run may reuse the key of a run the first one deleted.
  INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
  SELECT * FROM unnest(run_flows, run_starts, run_starts_open, run_ends, run_ends_closed);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER segments_summaries_insert AFTER INSERT ON segments
  REFERENCING NEW TABLE AS new_segments
  FOR EACH STATEMENT EXECUTE FUNCTION tams_segment_summaries_insert();

-- Removed segments: each run holding one is replaced by its pieces between the removed segments (the
-- part before the first, between consecutive ones, after the last), the empty pieces dropped.
CREATE FUNCTION tams_segment_summaries_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  flow uuid;
  run_flows uuid[];
  run_starts bigint[];
  run_starts_open boolean[];
  run_ends bigint[];
  run_ends_closed boolean[];
BEGIN
  FOR flow IN SELECT DISTINCT flow_id FROM old_segments ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(1952542061, hashtext(flow::text));
  END LOOP;
  UPDATE segment_durations d SET segments = d.segments - g.n
  FROM (SELECT flow_id, timerange_end - timerange_start AS duration, count(*) AS n
    FROM old_segments GROUP BY 1, 2) g
  WHERE d.flow_id = g.flow_id AND d.duration = g.duration;
  DELETE FROM segment_durations d
  USING (SELECT DISTINCT flow_id, timerange_end - timerange_start AS duration FROM old_segments) g
  WHERE d.flow_id = g.flow_id AND d.duration = g.duration AND d.segments = 0;

  WITH dels AS (
    SELECT o.flow_id, m.rs, m.rso, m.re, m.rec, o.timerange_start AS s, o.timerange_start_open AS so,
      o.timerange_end AS e, o.timerange_end_closed AS ec
    FROM old_segments o CROSS JOIN LATERAL (
      SELECT x.timerange_start AS rs, x.timerange_start_open AS rso, x.timerange_end AS re,
        x.timerange_end_closed AS rec
      FROM segment_runs x
      WHERE x.flow_id = o.flow_id
        AND (x.timerange_start, x.timerange_start_open) <= (o.timerange_start, o.timerange_start_open)
      ORDER BY x.timerange_start DESC, x.timerange_start_open DESC LIMIT 1) m
  ), removed AS (
    DELETE FROM segment_runs r USING (SELECT DISTINCT flow_id, rs, rso FROM dels) k
    WHERE r.flow_id = k.flow_id AND r.timerange_start = k.rs AND r.timerange_start_open = k.rso
  ), ordered AS (
    SELECT *, lag(e) OVER w AS pe, lag(ec) OVER w AS pec,
      row_number() OVER (PARTITION BY flow_id, rs, rso ORDER BY s DESC, so DESC) AS from_end
    FROM dels WINDOW w AS (PARTITION BY flow_id, rs, rso ORDER BY s, so)
  ), pieces AS (
    SELECT flow_id, coalesce(pe, rs) AS ps, CASE WHEN pe IS NULL THEN rso ELSE pec END AS pso,
      s AS pend, so AS pendc
    FROM ordered
    UNION ALL
    SELECT flow_id, e, ec, re, rec FROM ordered WHERE from_end = 1
  )
  SELECT array_agg(p.flow_id), array_agg(p.ps), array_agg(p.pso), array_agg(p.pend), array_agg(p.pendc)
  INTO run_flows, run_starts, run_starts_open, run_ends, run_ends_closed
  FROM pieces p WHERE p.ps < p.pend OR (p.ps = p.pend AND NOT p.pso AND p.pendc);
  INSERT INTO segment_runs (flow_id, timerange_start, timerange_start_open, timerange_end, timerange_end_closed)
  SELECT * FROM unnest(run_flows, run_starts, run_starts_open, run_ends, run_ends_closed);
  RETURN NULL;
END
$fn$;

CREATE TRIGGER segments_summaries_delete AFTER DELETE ON segments
  REFERENCING OLD TABLE AS old_segments
  FOR EACH STATEMENT EXECUTE FUNCTION tams_segment_summaries_delete();
`;
