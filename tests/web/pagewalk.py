"""What a Chinese reader must never see on a page, as checks the page-walk test runs.

A page is checked on what a person sees: text nodes (not <script>/<style>), the text of
`title`/`placeholder`/`alt`/`aria-label` attributes and the value of visible inputs, plus
the JSON a page hands to its charts (`<script type="application/json">`), whose strings
become chart labels. Findings are plain strings "<rule>: <excerpt>".

Rules (precise, so a failure says what to fix):
- raw-json: `{'`, `{"`, `[{` or `': ` dict syntax in visible text (a Python dict or JSON dump).
- escaped-unicode: `\\uXXXX` in visible text.
- raw-seconds: (a) a number with 3+ decimals; (b) a number of 4+ digits with a fraction that
  is not money (¥/元); (c) a table cell in a column, or the value cell of a row, whose header
  names a duration (时长, 耗时, 用时, 等待, 响应时间, 处理时间, 首次响应, 解决时长, AHT) holding a bare
  number: a duration must carry a unit (天/小时/分钟/分/秒) or read as h:mm[:ss].
- raw-code: a lowercase enum code from CODES as a whole word in visible text or in chart
  JSON strings, e.g. `open`, `chat`, `negative`, `sla.scan`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

CODES = frozenset(
    {
        # ticket status, priority, type
        "new", "open", "pending", "hold", "solved", "closed",
        "urgent", "high", "normal", "low",
        "question", "incident", "problem", "task",
        # channels
        "chat", "email", "phone", "wechat", "web", "portal", "service_point",
        # emotion, presence, senders, roles
        "negative", "positive", "neutral", "online", "away", "offline",
        "customer", "agent", "bot", "system", "admin", "supervisor",
        # SLA metrics and clocks, jobs, conversation and article states
        "first_reply", "next_reply", "resolution", "acknowledge", "breached", "fulfilled", "paused",
        "queued", "running", "dead", "assigned", "draft", "published", "archived",
        # tiers
        "mid", "potential",
    }
)  # fmt: skip
# Dotted job names (analytics.refresh) and other snake/dotted machine ids.
DOTTED = re.compile(r"(?<![\w./@{-])[a-z]+\.[a-z_]+(?![\w./@}-])")
WORD = re.compile(r"(?<![\w.@/#:-])[a-z_]+(?![\w.@/-])")
RAW_JSON = re.compile(r"\{'|\{\"|\[\{|'\s*:\s*['\d\[{TF]")
ESCAPED = re.compile(r"\\u[0-9a-fA-F]{4}")
MANY_DECIMALS = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")
BIG_FRACTION = re.compile(r"(?<![\d.¥￥])\d{4,}\.\d+(?![\d.])(?!\s*元)")
DURATION_HEADER = re.compile(r"时长|耗时|用时|等待|响应时间|处理时间|首次响应|后续响应|解决时长|AHT|排队时间")
BARE_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
HAS_UNIT = re.compile(r"\d\s*(?:天|小时|分钟|分|秒)|^\d+:\d{2}(?::\d{2})?$|^—$|^-$")
ATTRS = ("title", "placeholder", "alt", "aria-label")
SKIP_TAGS = ("script", "style", "template")
VOID = ("br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area", "base")


@dataclass
class _Cell:
    header: bool
    text: str = ""


@dataclass
class _Table:
    head: list[str] = field(default_factory=list)
    rows: list[list[_Cell]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.chart_json: list[str] = []
        self.tables: list[_Table] = []
        self._open: list[_Table] = []
        self._cell: _Cell | None = None
        self._row: list[_Cell] | None = None
        self._in_head = False
        self._skip = 0
        self._json_script = False
        self._script_buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in SKIP_TAGS:
            self._skip += 1
            self._json_script = tag == "script" and (a.get("type") or "") == "application/json"
            self._script_buf = []
            return
        for name in ATTRS:
            if a.get(name):
                self.texts.append(a[name] or "")
        if tag == "input" and (a.get("type") or "text") in ("text", "search", "number") and a.get("value"):
            self.texts.append(a["value"] or "")
        if tag == "table":
            self._open.append(_Table())
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._open:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = _Cell(header=tag == "th")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            if self._json_script:
                self.chart_json.append("".join(self._script_buf))
            self._json_script = False
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._open:
            table = self._open[-1]
            if self._in_head and not table.head:
                table.head = [c.text for c in self._row]
            else:
                table.rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._skip:
            if self._json_script:
                self._script_buf.append(data)
            return
        self.texts.append(data)
        if self._cell is not None:
            self._cell.text += data


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _duration_cells(table: _Table) -> list[str]:
    """Bare numbers under a duration column or beside a duration row header."""
    bad: list[str] = []
    columns = [bool(DURATION_HEADER.search(h)) for h in table.head]
    for row in table.rows:
        for i, cell in enumerate(row):
            under = i < len(columns) and columns[i]
            beside = i > 0 and row[0].header and bool(DURATION_HEADER.search(row[0].text))
            if (under or beside) and BARE_NUMBER.match(cell.text):
                label = row[0].text if beside else table.head[i]
                bad.append(f"raw-seconds: {label} = {cell.text}")
    return bad


def check_html(html: str) -> list[str]:
    """Everything on one page a Chinese reader should not see."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    findings: list[str] = []
    visible = [" ".join(t.split()) for t in reader.texts if t.strip()]
    for text in visible:
        if RAW_JSON.search(text):
            findings.append(f"raw-json: {text[:120]}")
        if ESCAPED.search(text):
            findings.append(f"escaped-unicode: {text[:120]}")
        for rx in (MANY_DECIMALS, BIG_FRACTION):
            for m in rx.finditer(text):
                findings.append(f"raw-seconds: {m.group(0)} in {text[:80]}")
        findings.extend(f"raw-code: {m.group(0)} in {text[:80]}" for m in _codes(text))
    for table in reader.tables:
        findings.extend(_duration_cells(table))
    for raw in reader.chart_json:
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for s in _strings(data):
            findings.extend(f"raw-code (chart data): {m.group(0)}" for m in _codes(s) if s == m.group(0))
    return sorted(set(findings))


def _in_english(text: str, m: re.Match[str]) -> bool:
    """A code word inside an English sentence ("online 24/7, ask me") is prose, not a code."""
    before = text[: m.start()].split()[-1:]
    after = text[m.end() :].split()[:1]
    return any(LATIN_WORD.match(w) and w.strip(",.!?;:") not in CODES for w in before + after)


def _quoted(text: str, m: re.Match[str]) -> bool:
    """A word in quotation marks (“solved”) is somebody's words shown as such, not a code."""
    before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
    return before in ("“", "「", '"') and after in ("”", "」", '"')


def _codes(text: str) -> list[re.Match[str]]:
    hits = [
        m
        for m in WORD.finditer(text)
        if m.group(0) in CODES and not _in_english(text, m) and not _quoted(text, m)
    ]
    hits += [m for m in DOTTED.finditer(text) if m.group(0).split(".")[0] in JOB_PREFIXES]
    return hits


LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z'’-]*[,.!?;:]?$")


JOB_PREFIXES = frozenset(
    {
        "analytics", "auth", "automation", "conversation", "kefu", "loyalty", "mail", "ops", "phone",
        "privacy", "routing", "sla", "survey", "ticket", "bot", "webhook", "wechat",
    }
)  # fmt: skip
