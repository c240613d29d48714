"""Turn a web page (HTML, or text copied or saved from a browser) into its article text.

Page chrome goes: navigation, share buttons, sign-up forms, related-post lists, comment threads,
"Leave a Reply" boxes. The rules are structural (HTML elements and their class/id names) and, for
text without markup, line-shaped: a line that opens a comment thread or a reply form ends the article,
and short boilerplate lines ("Share This", "read more", "Filed under ...") are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

# Terminal control sequences are never kept: passages are printed to terminals and fed to models.
from coach.safe_text import strip_terminal_controls as strip_control

# ---- HTML --------------------------------------------------------------------------------------

_SKIP_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "nav", "header", "footer",
    "aside", "form", "button", "select", "textarea", "input", "label", "menu", "dialog", "figure", "img",
}  # fmt: skip
_VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "blockquote", "pre", "table", "tr",
    "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "br", "hr",
}  # fmt: skip
# class/id words that mark chrome: a word of the attribute (split at spaces, "-" and "_") starts with one
_CHROME_PREFIX = (
    "comment", "respond", "reply", "share", "sharing", "sharedaddy", "social", "sidebar", "widget", "related",
    "relatedposts", "newsletter", "subscribe", "signup", "cookie", "breadcrumb", "menu", "nav", "footer",
    "masthead", "advert", "popup", "modal", "pingback", "trackback",
)  # fmt: skip
_CHROME_EXACT = {"ad", "ads", "sponsored", "promo"}


def _is_chrome(attr_text: str) -> bool:
    for word in re.split(r"[\s_-]+", attr_text.lower()):
        if word in _CHROME_EXACT or (word and word.startswith(_CHROME_PREFIX)):
            return True
    return False


class _ArticleParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip_depth = 0
        self._stack: list[tuple[str, bool]] = []  # (tag, opened a skipped region)
        self._in_title = False
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _VOID_TAGS:
            if tag in ("br", "hr") and not self._skip_depth:
                self.parts.append("\n")
            return
        attr_text = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        skipped = tag in _SKIP_TAGS or _is_chrome(attr_text)
        if tag in ("html", "body", "main", "article") or "main" in attr_text.split():
            # Page and article containers are never chrome, whatever their classes say
            # (WordPress puts "comments-open" or "has-sidebar" on <body>).
            skipped = False
        if tag == "header" and self._inside("article"):
            skipped = False  # an article's own header carries its title
        self._stack.append((tag, skipped))
        if skipped:
            self._skip_depth += 1
        if self._skip_depth:
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append("#" * int(tag[1]) + " ")
            self._heading = tag
        elif tag == "li":
            self.parts.append("- ")

    def _inside(self, tag: str) -> bool:
        return any(t == tag for t, _ in self._stack)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID_TAGS:
            return
        # Pop to the matching start tag; tolerate unclosed elements as browsers do.
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for _, skipped in self._stack[i:]:
                    if skipped:
                        self._skip_depth -= 1
                del self._stack[i:]
                break
        if not self._skip_depth and tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skip_depth:
            return
        self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """(title, text with Markdown-style headings and list items) from an HTML page."""
    parser = _ArticleParser()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    lines = [line.strip() for line in raw.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return unescape(parser.title).strip(), text


def looks_like_html(text: str) -> bool:
    head = text[:4000].lower()
    return "<html" in head or "<!doctype html" in head or bool(re.search(r"<(body|article|div|p)[\s>]", head))


# ---- text rules --------------------------------------------------------------------------------

# A line that starts a comment thread, reply form or after-article block: it and everything after it go.
_TAIL_MARKERS = [
    r"this post has \d+ comments?",
    r"\d+ comments?",
    r"(one|\d+) (response|responses|repl(y|ies)|thoughts?) (to|on) .*",
    r"leave a (reply|comment).*",
    r"post a comment",
    r"add a comment",
    r"comments are closed\.?",
    r"related posts?:?",
    r"you (may|might) also like:?",
    r"share this:?",
    r"like this:?",
    r"subscribe to (our|my|the) (newsletter|blog).*",
    r"fill in your details below.*",
]
_TAIL = re.compile(r"^\s*(?:" + "|".join(_TAIL_MARKERS) + r")\s*$", re.IGNORECASE)

# Single boilerplate lines dropped wherever they are.
_DROP_LINE = [
    r"you are currently viewing .*",
    r"posted by .{1,80} (&|and) filed under .*",
    r"filed under .*",
    r"posted (on|in) .{1,60}",
    r"(read more|continue reading|click here.*|share this|tweet|pin it|print|email)\.?",
    r"(previous|next) (post|article)\s*:?.*",
    r"\*?required fields.*",
    r"\(will not be published\)",
    r"preferred method of contact:?",
    r"(pingback|trackback):.*",
    r"(log out|log in|sign up|subscribe)\b.{0,30}",
    r"connecting to %s",
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{1,2},? \d{4}( \| .*)?",
    r"\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{4}( \| .*)?",
]
_DROP = re.compile(r"^\s*(?:" + "|".join(_DROP_LINE) + r")\s*$", re.IGNORECASE)


_CALL_TO_COMMENT = re.compile(
    r"\s*please (leave|post|share) (a|your) (reply|comment|thoughts)[^.!?]*[.!?]?", re.I
)


@dataclass(frozen=True)
class CleanDocument:
    title: str
    text: str


def clean_text(text: str) -> str:
    """Apply the line rules: cut at the first tail marker, drop boilerplate lines, squeeze blanks."""
    text = strip_control(text).replace("\u00a0", " ")  # no-break spaces from HTML &nbsp;
    kept: list[str] = []
    seen_words = 0
    last_text = ""
    for line in text.split("\n"):
        line = _CALL_TO_COMMENT.sub("", line)
        stripped = line.strip().lstrip("-•*·").strip()  # bullets do not change what a line is
        # A tail marker only counts once some article text has been seen (a page may open with "Share this").
        if _TAIL.match(stripped) and seen_words >= 30:
            break
        if _DROP.match(stripped):
            continue
        if stripped and stripped == last_text:
            continue  # page title repeated as the article heading
        if stripped:
            last_text = stripped
        kept.append(line.rstrip())
        seen_words += len(stripped.split())
    out = "\n".join(kept)
    out = re.sub(r"[ \t]+\n", "\n", out)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def clean_document(raw: str, *, fallback_title: str, is_html: bool | None = None) -> CleanDocument:
    """Clean a page or document; title from <title>, a first Markdown heading, or a short first line."""
    html = looks_like_html(raw) if is_html is None else is_html
    title = ""
    text = raw
    if html:
        title, text = html_to_text(raw)
    text = clean_text(text)
    if not title:
        title = _first_heading(text)
    title = " ".join(strip_control(title).split())[:200] or fallback_title
    return CleanDocument(title=title, text=text)


def _first_heading(text: str) -> str:
    for line in text.split("\n")[:5]:
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            return line.lstrip("#").strip()
        # A short line without a final full stop reads as a title ("Mentor Me, Mentor You").
        if len(line) <= 100 and not line.endswith((".", "!", "?", ":")):
            return line
        return ""
    return ""
