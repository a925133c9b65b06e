"""Follow-ups rewritten into standalone questions (the history itself is stored by baocao.conversations).

"Thế tháng 8 thì sao?" after "Tốc độ Internet di động tháng 10/2025?" becomes
"Tốc độ Internet di động tháng 8/2025?": the follow-up's slots (time, kind of entity, named
entity, a member's role) replace the same slots of the previous question; a follow-up with no slot is
appended.
"""

from __future__ import annotations

import functools
import re

from baocao.assistant.knowledge import cue, cue_words, literal_alternation, without_stop_words
from baocao.conversations import Conversation, ConversationStore, Turn  # noqa: F401  (storage lives there; re-exported)
from baocao.assistant.members import role_slot
from baocao.ingest.text import nfc, search_key, strip_diacritics
from baocao.ingest.vietnamese import fold

FOLLOW_UP_OPENERS = re.compile(r"^(còn|thế|vậy|thì|với|ngoài ra|so với|và|the|con|vay|thi|voi|va)\b", re.IGNORECASE)
FOLLOW_UP_TAILS = re.compile(r"\s*(thì sao|thi sao|như thế nào|nhu the nao|ra sao)?\s*\??\s*$", re.IGNORECASE)
TIME_SLOT = re.compile(
    r"(?:(?:tháng|thang)\s+\d{1,2}(?:\s*/\s*\d{4})?|(?:quý|quy)\s+(?:I{1,3}|IV|[1-4])(?:\s*/\s*\d{4})?|\d{1,2}/\d{1,2}/\d{4}|(?:năm|nam)\s+\d{4})",
    re.IGNORECASE,
)
KIND_SLOT = re.compile(r"\b(tỉnh|tinh|địa phương|dia phuong|bộ, ngành|bộ|bo|ngành|nganh|xã|xa)\b(?=\s+(?:nào|nao)\b)", re.IGNORECASE)
AGENCY_SLOT = re.compile(r"\b(Bộ|Bo)\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+(?:và\s+)?[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)*")
YEAR = re.compile(r"\d{4}")


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(FOLLOW_UP_OPENERS.match(question.strip())) or len(words) <= 4 or points_back(question)


def points_back(question: str) -> bool:
    """'kết quả dự kiến của nhiệm vụ đó là gì?', 'tổng công suất của chúng?', 'ở đâu và do ai khánh thành?',
    'trụ sở của hội mới ở đâu?': the question points at something said before (an anaphor), opens with what
    it asks, or, typed with its diacritics, names nothing at all — no capitalised word after the first, no
    number, and no kind of unit it asks about ('tỉnh nào chưa thành lập ban chỉ đạo?' stands on its own)."""
    from baocao.assistant.plan import asked_kind

    text = nfc(question).strip()
    if _anaphora().search(text.lower()):
        return True
    names = any(word[:1].isupper() for word in text.split()[1:])
    if text.isascii() or re.search(r"\d", text) or names:
        return False
    return bool(ASKED_FIRST.match(text)) or asked_kind(text) is None


@functools.lru_cache(maxsize=1)
def _anaphora() -> re.Pattern[str]:
    words = [nfc(w).lower() for w in cue_words("anaphora")]
    return re.compile(rf"(?<!\w)(?:{literal_alternation(words)})(?!\w)")


def topic_of(question: str) -> str:
    """What a question is about, without what it asks ('Ai chủ trì xây dựng Đề án X?' → 'xây dựng Đề án X'):
    a follow-up that asks its own question is asked about this."""
    text = nfc(question)
    folded = strip_diacritics(text).lower()  # one letter for one: the cues' offsets are the text's
    for name in ("task_lead", "task_deadline", "person", "when", "where", "explanation"):
        while (found := cue(name, folded)) is not None:
            text, folded = text[:found.start()] + " " + text[found.end():], folded[:found.start()] + " " + folded[found.end():]
    return " ".join(without_stop_words(text, "question").replace("?", " ").split()).strip(" ,.")


def _replace_slot(previous: str, follow_up: str, pattern: re.Pattern) -> tuple[str, bool]:
    new = pattern.search(follow_up)
    old = pattern.search(previous)
    if not new or not old:
        return previous, False
    value = new.group(0)
    if pattern is TIME_SLOT and not YEAR.search(value) and (year := YEAR.search(old.group(0))):
        value = f"{value}/{year.group(0)}"  # "tháng 8" after "tháng 10/2025" means August 2025
    after = previous[old.end():]
    if old.group(0).split()[-1].lower() == "ban" and value.split()[-1].lower() != "ban" and re.match(r"\s+[A-ZĐÀ-Ỹ]", after):
        value += " Ban"  # "Trưởng ban Chỉ đạo": the role took the body's first word
    return previous[: old.start()] + value + after, True


def rewrite(question: str, history: list[Turn]) -> str:
    """The follow-up as a standalone question (unchanged if it stands on its own)."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1].question
    rewritten, changed = previous, False
    for slot in (TIME_SLOT, AGENCY_SLOT, KIND_SLOT, role_slot()):
        rewritten, did = _replace_slot(rewritten, question, slot)
        changed = changed or did
    if changed:
        return rewritten
    core = question.strip()
    while (stripped := FOLLOW_UP_OPENERS.sub("", core, count=1).strip(" ,")) != core:  # 'thế còn …', 'vậy thì …'
        core = stripped
    core = FOLLOW_UP_TAILS.sub("", core).strip(" ,?")
    if not core:
        return previous
    if is_new_topic(core, previous):
        return new_topic_question(core, previous)
    if names_a_metric(core) and not ASKING.search(core):
        return other_metric_question(core, previous)
    if ASKING.search(core):  # it asks its own question: about the previous one's topic
        return about_previous_topic(core, previous)
    return f"{previous.rstrip(' ?')} {core}?"


def about_previous_topic(core: str, previous: str) -> str:
    """'kết quả dự kiến của nhiệm vụ đó là gì?' after 'Ai chủ trì xây dựng Đề án X?' → 'kết quả dự kiến của
    nhiệm vụ đó là gì (xây dựng Đề án X)?': the follow-up's own question, the previous one's topic."""
    asked_before = re.search(r"\(([^()]*)\)\?\s*$", previous)  # the conversation's topic, carried on
    topic = asked_before[1] if asked_before else topic_of(previous)
    if not topic or set(search_key(topic).split()) <= set(search_key(core).split()):
        return f"{core}?"
    return f"{core} ({topic})?"


# a named thing: a capitalised phrase ('Ban Chỉ đạo', 'Trung tâm dữ liệu quốc gia'), not a question word
NAMED = re.compile(r"^(?:các\s+|những\s+)?[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[\wÀ-ỹ]+){0,6}$")
ASKED_FIRST = re.compile(r"^(?:ở đâu|tại đâu|khi nào|lúc nào|bao giờ|bao nhiêu|mấy|vì sao|tại sao|thế nào|ra sao)(?!\w)", re.IGNORECASE)
ASKING = re.compile(r"\b(nào|nao|gì|gi|bao nhiêu|bao nhieu|mấy|may|khi nào|ai|đâu|dau)\b", re.IGNORECASE)


def is_new_topic(core: str, previous: str) -> bool:
    """'thế còn Ban Chỉ đạo thì sao?': the follow-up names another thing and asks nothing of its own, so it
    is a new question about that thing in the previous question's frame, never the previous one repeated."""
    return bool(NAMED.match(core)) and not ASKING.search(core)


def names_a_metric(core: str) -> bool:
    """'số người làm việc do hội tự hợp đồng', 'tỷ lệ hồ sơ trực tuyến': a figure of its own, not more of the last."""
    key = search_key(core)
    return any(key == m or key.startswith(m + " ") for m in map(search_key, cue_words("metric_openers")))


def other_metric_question(core: str, previous: str) -> str:
    """'thế còn số người làm việc do hội tự hợp đồng?' after 'Tổng số hội trên địa bàn tỉnh Lâm Đồng năm 2025?' →
    'số người làm việc do hội tự hợp đồng tỉnh Lâm Đồng năm 2025?': the new figure where and when the last one was."""
    from baocao.ingest.gazetteer import Gazetteer

    places = [previous[m.start:m.end] for m in Gazetteer.load().scan(previous, ("province", "commune"), require_capital=False)]
    time = TIME_SLOT.search(previous)
    extra = [p for p in [*places, time.group(0) if time else ""] if p and fold(p).lower() not in fold(core).lower()]
    return " ".join([core, *extra]).strip() + "?"


def new_topic_question(core: str, previous: str) -> str:
    """The previous question's frame (its time, what it asked) around the new topic."""
    if fold(core).lower() in fold(previous).lower():
        return f"{core}?"  # the thing is already in the previous question: ask about it alone, not repeat
    time = TIME_SLOT.search(previous)
    asked = ASKING.search(previous)
    frame = previous[asked.start():].rstrip(" ?") if asked else ""
    parts = [core, frame, time.group(0) if time and time.group(0) not in frame else ""]
    return " ".join(p for p in parts if p).strip() + "?"
