"""Optional LLM-judge metrics, RAGAS-style: faithfulness and answer relevance.

Used only when `BAOCAO_EVAL_JUDGE_BASE_URL` and `BAOCAO_EVAL_JUDGE_MODEL` are set (an OpenAI-compatible
server); the deterministic metrics never depend on it. The judge sees the question, the answer and the
cited passages, and returns JSON:

- `faithfulness`: the share of the answer's claims the passages support (RAGAS faithfulness);
- `answer_relevance`: 0-1, how directly the answer addresses the question (RAGAS answer relevance,
  judged directly instead of through generated questions and embeddings, to keep it small).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

PROMPT = """Bạn là người chấm điểm một hệ thống hỏi đáp trên báo cáo của cơ quan nhà nước.

Câu hỏi: {question}

Câu trả lời:
{answer}

Các đoạn trích được trích dẫn:
{passages}

Hãy liệt kê các khẳng định (claims) trong câu trả lời, đếm số khẳng định được các đoạn trích hỗ trợ,
và đánh giá mức độ câu trả lời trả lời đúng trọng tâm câu hỏi.
Chỉ trả về JSON: {{"claims": <số khẳng định>, "supported": <số được hỗ trợ>, "relevance": <0 đến 1>}}"""

_JSON = re.compile(r"\{.*\}", re.DOTALL)


@dataclass
class Judge:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings) -> "Judge | None":
        base_url = getattr(settings, "eval_judge_base_url", None)
        model = getattr(settings, "eval_judge_model", None)
        if not base_url or not model:
            return None
        return cls(base_url, model, getattr(settings, "eval_judge_api_key", None))

    def describe(self) -> dict:
        return {"base_url": self.base_url, "model": self.model}

    def prompt(self, question: str, answer) -> str:
        passages = "\n\n".join(f"[{c.marker}] {c.text or c.quote}" for c in answer.citations) or "(không có)"
        return PROMPT.format(question=question, answer=answer.answer, passages=passages)

    def score(self, question: str, answer) -> dict:
        """{'faithfulness', 'answer_relevance'} in [0, 1], or {'error': ...}; never raises."""
        try:
            return parse_verdict(self._complete(self.prompt(question, answer)))
        except Exception as exc:  # a judge outage must not stop the evaluation
            return {"error": f"{type(exc).__name__}: {exc}"}

    def _complete(self, prompt: str) -> str:
        from openai import OpenAI

        client = OpenAI(base_url=self.base_url, api_key=self.api_key or "none", timeout=self.timeout)
        reply = client.chat.completions.create(
            model=self.model, temperature=0, messages=[{"role": "user", "content": prompt}],
        )
        return reply.choices[0].message.content or ""


def parse_verdict(text: str) -> dict:
    match = _JSON.search(text)
    if not match:
        return {"error": "no JSON in the judge's reply"}
    data = json.loads(match.group(0))
    claims, supported = float(data.get("claims") or 0), float(data.get("supported") or 0)
    relevance = float(data.get("relevance") or 0)
    return {
        "faithfulness": min(1.0, supported / claims) if claims else None,
        "answer_relevance": max(0.0, min(1.0, relevance)),
    }
