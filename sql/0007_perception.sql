-- 0007: what search reads about the richer analysis of issue 11 (additions only).
--
-- video_segments.search_attributes  now also carries ``scene`` (setting, place, surfaces) and ``people_mean``
--                                   (people per analysed frame on average). ``people`` and ``vehicles`` were
--                                   already copied whole, so their new fields (gender, age, posture, motion,
--                                   tags; vehicle type and motion) come with them. A STORED generated column
--                                   is not recomputed when its function changes: it is dropped and added
--                                   again, which recomputes it for every row (one table rewrite).

CREATE OR REPLACE FUNCTION chronotrace_search_attributes(meta JSONB) RETURNS JSONB
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT jsonb_build_object(
        'people', meta -> 'people',
        'vehicles', meta -> 'vehicles',
        'object_counts', meta -> 'object_counts',
        'scene', meta -> 'scene',
        'people_mean', meta -> 'people_mean'
    )
$$;

ALTER TABLE video_segments DROP COLUMN IF EXISTS search_attributes;
ALTER TABLE video_segments
    ADD COLUMN search_attributes JSONB
        GENERATED ALWAYS AS (chronotrace_search_attributes(metadata)) STORED;
