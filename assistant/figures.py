"""Changes and series over the figure records: "tăng 40, từ 1.200 (quý I) lên 1.240 (quý II)".

Two figures are the same metric when their metric words mostly agree and their units are the same;
the answer cites both sentences and marks the difference and the growth as computed.
"""

from __future__ import annotations

from baocao.assistant.catalogue import Found
from baocao.assistant.compose import CitationList, vn_date
from baocao.assistant.evidence import content_syllables
from baocao.assistant.knowledge import cue_words
from baocao.assistant.models import Answer
from baocao.ingest.text import search_key

MIN_METRIC_MATCH = 0.75  # share of the question's metric words (IDF-weighted) a figure's metric must hold
SAME_METRIC = 0.6  # share of the shorter metric's words two figures must share


def _metric_words(text: str) -> set[str]:
    cues = {w for c in cue_words("change") + cue_words("series") + cue_words("latest") for w in search_key(c).split()}
    words = content_syllables(text, "question", "period", "figure_context")
    return {t for t in words if t not in cues and not t[:1].isdigit()}


def format_number(value: float, like: str = "") -> str:
    """Vietnamese style: '.' between thousands, ',' before decimals; as many decimals as `like` has."""
    decimals = len(like.split(",")[1]) if "," in like and not like.count(".") > 1 else 0
    text = f"{abs(value):,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return ("-" if value < 0 else "") + text


class FigureAnswerer:
    """Answers `change` and `series` parts from figure records of one metric at several dates."""

    name = "figures"

    def answer(self, plan, context) -> Answer | None:
        part = plan.part
        if part.ask not in ("change", "series") or "cung ky" in part.query.folded:
            return None  # 'so với cùng kỳ': the reports state year-on-year changes themselves
        weights = context.catalogue.weights
        wanted = _metric_words(part.text)
        total = sum(weights.weight(t) for t in wanted)
        if not total:
            return None
        scored: list[tuple[float, Found]] = []
        for found in context.in_named_document(plan, context.catalogue.figures.matching(list(wanted))):
            record = found.record
            if record.number is None or not record.as_of:
                continue
            have = _metric_words(f"{record.metric} {record.unit}")
            share = sum(weights.weight(t) for t in wanted if t in have) / total
            back = sum(weights.weight(t) for t in have if t in wanted) / max(1e-9, sum(weights.weight(t) for t in have))
            if share >= MIN_METRIC_MATCH and back >= MIN_METRIC_MATCH:
                scored.append((share, found))
        if not scored:
            return None
        scored.sort(key=lambda sf: sf[0], reverse=True)
        best = scored[0][1].record
        best_words = _metric_words(best.metric)
        series: dict[str, Found] = {}
        for _, found in scored:
            r = found.record
            words = _metric_words(r.metric)
            overlap = len(words & best_words) / max(1, min(len(words), len(best_words)))
            if r.unit == best.unit and overlap >= SAME_METRIC and r.change is None:
                series.setdefault(r.as_of, found)
        if len(series) < 2:
            return None
        ordered = [series[d] for d in sorted(series)]
        return self._series_answer(ordered) if part.ask == "series" else self._change_answer(ordered[-2], ordered[-1])

    def _change_answer(self, old: Found, new: Found) -> Answer:
        cites = CitationList()
        m_old = cites.cite(old.chunk, old.record.sentence)
        m_new = cites.cite(new.chunk, new.record.sentence)
        a, b = old.record, new.record
        delta = b.number - a.number
        verb = "tăng" if delta > 0 else "giảm" if delta < 0 else "không đổi"
        growth = f" ({format_number(abs(delta) / a.number * 100, '1,0')}%)" if a.number and delta else ""
        amount = f" {format_number(abs(delta), b.value.split()[0])}{(' ' + b.unit) if b.unit and b.unit != '%' else ''}" if delta else ""
        if b.unit == "%" and delta:
            amount = f" {format_number(abs(delta), b.value.split()[0].rstrip('%'))} điểm phần trăm"
            growth = ""
        text = (f"{b.metric[:1].upper() + b.metric[1:]}: {verb}{amount}{growth}, từ {a.value} ({vn_date(a.as_of)}) "
                f"lên {b.value} ({vn_date(b.as_of)}) [{m_old}][{m_new}].\n"
                f"Mức thay đổi được tính từ hai số liệu trên, không phải câu trích.")
        if delta < 0:
            text = text.replace(" lên ", " xuống ")
        return Answer(answer=text, citations=cites.citations, grounded=True, as_of=b.as_of, generator="figures")

    def _series_answer(self, ordered: list[Found]) -> Answer:
        cites = CitationList()
        lines = []
        for found in ordered:
            marker = cites.cite(found.chunk, found.record.sentence)
            lines.append(f"- {vn_date(found.record.as_of)}: {found.record.value} [{marker}]")
        head = f"{ordered[-1].record.metric[:1].upper() + ordered[-1].record.metric[1:]} qua các báo cáo:"
        return Answer(answer="\n".join([head, *lines]), citations=cites.citations, grounded=True,
                      as_of=ordered[-1].record.as_of, generator="figures")
