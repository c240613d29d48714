"""User documents and cards as chunks: reading with clear refusals, cleaning, chunking with stable ids.

A chunk id is derived from its source and its content hash, so re-indexing an unchanged passage finds the
same id and does not embed it again; an edited passage gets a new id and the old one is dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from coach.knowledge.cards import Card
from coach.knowledge.cleaner import clean_document, strip_control
from coach.knowledge.errors import DocumentError
from coach.safe_text import NotTextError, decode_text
from coach.skills import Skill

SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
}
MAX_FILE_BYTES = 5 * 1024 * 1024  # about 800,000 words: more than any guidance document needs
MAX_FILES_PER_DIRECTORY = 2000
CHUNK_WORDS = 160  # MiniLM reads 256 word pieces; 160 words stay inside that
OVERLAP_WORDS = 40
ALL_SKILLS = tuple(s.value for s in Skill)


@dataclass(frozen=True)
class Document:
    path: Path
    source_id: str
    title: str
    text: str
    kind: str


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source_id: str  # "card:<id>" or "doc-<hash of path>"
    kind: str  # "card" | "document"
    card_id: str  # the card id; "" for user documents
    title: str
    citation: str
    text: str  # the passage shown to users
    skills: tuple[str, ...]
    audience: str
    position: int = 0
    path: str = ""
    heading: str = ""
    # "passage": a searchable, citable passage. "ask": one more vector for a card (a user phrasing from the
    # card's `asks`), pointing at the card's passage `parent`; it is matched densely but never shown.
    role: str = "passage"
    parent: str = ""
    ask: str = ""
    keywords: str = ""  # extra text for the lexical side only (a card's asks)

    @property
    def embed_text(self) -> str:
        """What is embedded: the title and heading give a short passage its context."""
        if self.role == "ask":
            return self.ask
        head = f"{self.title}. {self.heading}." if self.heading else f"{self.title}."
        return f"{head}\n{self.text}"

    @property
    def lexical_text(self) -> str:
        """What BM25 indexes ("" for ask vectors: their words are already in the parent's keywords)."""
        if self.role == "ask":
            return ""
        return f"{self.embed_text}\n{self.keywords}" if self.keywords else self.embed_text


def _digest(text: str, size: int = 12) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def source_id_for(path: Path) -> str:
    return "doc-" + _digest(str(path.resolve()))


# ---- finding and reading files -----------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to index from the given files and directories (recursively). Raises DocumentError."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise DocumentError(f"{raw}: no such file or directory")
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not _hidden(p, path)
            )
            if not files:
                kinds = ", ".join(sorted(SUFFIXES))
                raise DocumentError(
                    f"{raw}: the directory holds nothing coach can index (looked for {kinds})"
                )
            if len(files) > MAX_FILES_PER_DIRECTORY:
                raise DocumentError(
                    f"{raw}: {len(files)} files is over the limit of {MAX_FILES_PER_DIRECTORY}; "
                    "add a narrower directory"
                )
            found.extend(files)
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                kinds = ", ".join(sorted(SUFFIXES))
                raise DocumentError(
                    f"{raw}: unsupported file type {path.suffix or '(none)'!r}; use one of {kinds}"
                )
            found.append(path)
        else:
            raise DocumentError(f"{raw}: not a regular file")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read_document(path: Path) -> Document:
    """Read, check and clean one file. Raises DocumentError with the specific reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if size > MAX_FILE_BYTES:
        raise DocumentError(
            f"{path}: {size / 1024 / 1024:.1f} MB is over the {MAX_FILE_BYTES // 1024 // 1024} MB limit "
            "for one document; split it into smaller files"
        )
    if size == 0:
        raise DocumentError(f"{path}: the file is empty")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        raw = decode_text(data)
    except NotTextError as exc:
        if exc.binary:
            raise DocumentError(
                f"{path}: looks like a binary file, not text (Markdown, plain text or HTML)"
            ) from None
        raise DocumentError(
            f"{path}: is not valid UTF-8 (byte {exc.position}); re-save it as UTF-8 and add it again"
        ) from exc
    kind = SUFFIXES.get(path.suffix.lower(), "text")
    cleaned = clean_document(raw, fallback_title=path.stem, is_html=True if kind == "html" else None)
    if not cleaned.text.strip():
        raise DocumentError(f"{path}: no text left to index (the file holds only markup or whitespace)")
    return Document(
        path=path.resolve(), source_id=source_id_for(path), title=cleaned.title, text=cleaned.text, kind=kind
    )


# ---- chunking ----------------------------------------------------------------------------------


def card_chunks(card: Card) -> list[Chunk]:
    """A card's passage (cards are short: one chunk) plus one vector per phrasing in its `asks`.

    Users ask in their own, often indirect words; matching those against a few typical phrasings written
    for the card works better than against the card's prose alone.
    """
    text = strip_control(card.body)
    asks = [" ".join(strip_control(a).split()) for a in card.asks]
    asks = [a for a in dict.fromkeys(asks) if a]
    content = "\n".join([card.title, text, ",".join(card.skills), card.audience, card.citation, *asks])
    main = Chunk(
        chunk_id=f"card:{card.id}:{_digest(content)}",
        source_id=f"card:{card.id}",
        kind="card",
        card_id=card.id,
        title=card.title,
        citation=card.citation,
        text=text,
        skills=tuple(str(s) for s in card.skills),
        audience=card.audience,
        path=str(card.path or ""),
        keywords="\n".join(asks),
    )
    return [main] + [
        replace(
            main, chunk_id=f"{main.chunk_id}:ask{n}", role="ask", parent=main.chunk_id, ask=ask, keywords=""
        )
        for n, ask in enumerate(asks, 1)
    ]


def document_chunks(doc: Document) -> list[Chunk]:
    """Chunks of a user document, split at headings and paragraphs with some overlap.

    User documents carry no skill or audience tags, so they match every skill and audience filter.
    """
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for position, (heading, text) in enumerate(split_text(doc.text)):
        digest = _digest(f"{doc.title}\n{heading}\n{text}")
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        suffix = f"-{count + 1}" if count else ""  # identical passages in one file stay distinct
        chunks.append(
            Chunk(
                chunk_id=f"{doc.source_id}:{digest}{suffix}",
                source_id=doc.source_id,
                kind="document",
                card_id="",
                title=doc.title,
                citation=f"{doc.title} ({doc.path.name})" if doc.title != doc.path.stem else doc.path.name,
                text=text,
                skills=ALL_SKILLS,
                audience="both",
                position=position,
                path=str(doc.path),
                heading=heading,
            )
        )
    return chunks


_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


def split_text(text: str) -> list[tuple[str, str]]:
    """(heading, passage) pairs: paragraphs packed up to CHUNK_WORDS, a new heading starts a new chunk,
    and each chunk after the first in a section repeats the last ~OVERLAP_WORDS words of the one before."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        first, _, rest = block.partition("\n")
        match = _HEADING.match(first)
        if match:
            sections.append((match.group(1).strip(), []))
            block = rest.strip()
            if not block:
                continue
        sections[-1][1].extend(_pieces(block))
    out: list[tuple[str, str]] = []
    for heading, pieces in sections:
        current: list[str] = []
        words = 0
        for piece in pieces:
            size = len(piece.split())
            if current and words + size > CHUNK_WORDS:
                out.append((heading, "\n\n".join(current)))
                tail = _tail_words(current[-1], OVERLAP_WORDS)
                current, words = ([tail], len(tail.split())) if tail else ([], 0)
            current.append(piece)
            words += size
        if current:
            out.append((heading, "\n\n".join(current)))
    return out


def _pieces(block: str) -> list[str]:
    """A paragraph, or its sentences (or word windows) when it is longer than a chunk."""
    if len(block.split()) <= CHUNK_WORDS:
        return [block]
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", block):
        words = sentence.split()
        for start in range(0, len(words), CHUNK_WORDS):
            pieces.append(" ".join(words[start : start + CHUNK_WORDS]))
    return pieces


def _tail_words(text: str, count: int) -> str:
    words = text.split()
    if len(words) <= count:
        return text if len(words) < CHUNK_WORDS // 2 else " ".join(words[-count:])
    return " ".join(words[-count:])
