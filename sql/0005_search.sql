-- 0005: what search reads, kept small (additions only).
--
-- video_segments.search_attributes  the people (clothing colours), vehicles (class and colour) and object counts
--                                   of ``metadata``, computed by PostgreSQL on every write (a STORED generated
--                                   column: nothing writes it, ingestion needs no change). Ranking reads these
--                                   ~300 bytes per candidate instead of de-TOASTing the whole metadata (per-frame
--                                   detections and the redaction plan: 2-40 KB) once per key.
--
-- jsonb_build_object is declared STABLE only because it accepts "any" argument types; over jsonb values it
-- depends on nothing but its input, so the wrapper may be IMMUTABLE, as a generated column requires.

CREATE OR REPLACE FUNCTION chronotrace_search_attributes(meta JSONB) RETURNS JSONB
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT jsonb_build_object(
        'people', meta -> 'people',
        'vehicles', meta -> 'vehicles',
        'object_counts', meta -> 'object_counts'
    )
$$;

ALTER TABLE video_segments
    ADD COLUMN IF NOT EXISTS search_attributes JSONB
        GENERATED ALWAYS AS (chronotrace_search_attributes(metadata)) STORED;
