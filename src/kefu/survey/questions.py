"""Custom questions of a campaign and the validation of their answers (pure)."""

from __future__ import annotations

from typing import Any

from kefu.errors import Unprocessable

KINDS = ("text", "choice", "rating")
MAX_TEXT = 2000


def check_answers(questions: list[dict[str, Any]], raw: dict[str, Any]) -> dict[str, Any]:
    """Keep only answers to known questions; refuse wrong types, unknown options, missing
    required answers. Returns the cleaned answers."""
    known = {str(q["id"]): q for q in questions}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise Unprocessable(f"未知的问题 / unknown question: {', '.join(unknown)}", code="unknown_question")
    out: dict[str, Any] = {}
    for qid, q in known.items():
        value = raw.get(qid)
        if value is None or value == "":
            if q.get("required"):
                raise Unprocessable(f"请回答：{q['text']} / answer required", code="answer_required")
            continue
        kind = q.get("type", "text")
        if kind == "rating":
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise Unprocessable(f"{q['text']}: 须为 1–5 / must be 1–5", code="bad_answer") from None
            if not 1 <= number <= 5:
                raise Unprocessable(f"{q['text']}: 须为 1–5 / must be 1–5", code="bad_answer")
            out[qid] = number
        elif kind == "choice":
            if str(value) not in [str(o) for o in q.get("options", [])]:
                raise Unprocessable(f"{q['text']}: 无效选项 / not an option", code="bad_answer")
            out[qid] = str(value)
        else:
            out[qid] = str(value).strip()[:MAX_TEXT]
    return out
