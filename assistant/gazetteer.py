"""Moved to `baocao.ingest.gazetteer` (ingest recognises entities and may not import the assistant);
kept so that callers outside the assistant (eval/) go on working."""

from baocao.ingest.gazetteer import (  # noqa: F401
    KINDS,
    MERGER_DAY,
    MINISTRY_REFORM_DAY,
    Entity,
    Gazetteer,
    Kind,
    as_date,
    fold,
    normalise_name,
    normalise_token,
    strip_diacritics,
    unify_tone_placement,
)
