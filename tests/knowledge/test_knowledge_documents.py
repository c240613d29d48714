"""Reading user documents (with refusals) and chunking with stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.knowledge.documents import (
    CHUNK_WORDS,
    MAX_FILE_BYTES,
    OVERLAP_WORDS,
    document_chunks,
    expand_paths,
    read_document,
    split_text,
)
from coach.knowledge.errors import DocumentError


def paragraph(n: int, words: int = 60) -> str:
    return " ".join(f"p{n}w{i}" for i in range(words)) + "."


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_title_and_chunks(tmp_path: Path) -> None:
    body = "# My mentoring notes\n\n" + "\n\n".join(paragraph(i) for i in range(6))
    doc = read_document(write(tmp_path / "notes.md", body))
    assert doc.title == "My mentoring notes"
    chunks = document_chunks(doc)
    assert len(chunks) >= 2
    assert all(len(c.text.split()) <= CHUNK_WORDS + OVERLAP_WORDS for c in chunks)
    assert all(c.citation == "My mentoring notes (notes.md)" and c.card_id == "" for c in chunks)
    assert all(c.kind == "document" and c.audience == "both" for c in chunks)
    joined = " ".join(c.text for c in chunks)
    assert all(f"p{i}w59." in joined for i in range(6))  # nothing lost


def test_chunks_overlap(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "n.md", "\n\n".join(paragraph(i) for i in range(6))))
    first, second = document_chunks(doc)[:2]
    tail = " ".join(first.text.split()[-OVERLAP_WORDS:])
    assert second.text.startswith(tail)


def test_ids_are_stable_and_only_edited_passages_change(tmp_path: Path) -> None:
    paragraphs = [paragraph(i) for i in range(9)]
    path = write(tmp_path / "n.md", "\n\n".join(paragraphs))
    before = [c.chunk_id for c in document_chunks(read_document(path))]
    assert before == [c.chunk_id for c in document_chunks(read_document(path))]
    paragraphs[-1] = paragraph(99)
    write(path, "\n\n".join(paragraphs))
    after = [c.chunk_id for c in document_chunks(read_document(path))]
    assert after[0] == before[0] and after[-1] != before[-1]
    assert len(set(before) & set(after)) >= len(before) - 2


def test_headings_start_new_chunks(tmp_path: Path) -> None:
    pieces = split_text("# A\n\nalpha text.\n\n## B\n\nbeta text.\n\n## C\n\ngamma text.")
    assert pieces == [("A", "alpha text."), ("B", "beta text."), ("C", "gamma text.")]


def test_one_huge_paragraph_is_split(tmp_path: Path) -> None:
    text = " ".join(f"w{i}" for i in range(CHUNK_WORDS * 5))  # no sentence breaks at all
    pieces = split_text(text)
    assert len(pieces) >= 5
    assert all(len(t.split()) <= CHUNK_WORDS + OVERLAP_WORDS for _, t in pieces)


def test_identical_paragraphs_get_distinct_ids(tmp_path: Path) -> None:
    same = paragraph(1, 150)
    doc = read_document(
        write(tmp_path / "d.txt", f"{same}\n\n{paragraph(2, 150)}\n\n{same}\n\n{paragraph(2, 150)}")
    )
    ids = [c.chunk_id for c in document_chunks(doc)]
    assert len(ids) == len(set(ids))


def test_html_file_is_cleaned(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Agenda tips</title></head><body><nav>Home | About</nav>"
        "<p>Send the agenda a day ahead.</p><div id='comments'>Spam comment</div></body></html>"
    )
    doc = read_document(write(tmp_path / "page.html", page))
    assert doc.title == "Agenda tips" and "Send the agenda a day ahead." in doc.text
    assert "Spam" not in doc.text and "Home" not in doc.text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"   \n\n  \t"), "no text left"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00"), "binary"),
        (lambda p: p.write_bytes("caf\u00e9 mentor".encode("latin-1")), "not valid UTF-8"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "doc.txt"
    setup(path)
    with pytest.raises(DocumentError, match=message) as info:
        read_document(path)
    assert str(path) in str(info.value)


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: the test stays fast
    with pytest.raises(DocumentError, match="over the 5 MB limit"):
        read_document(path)


def test_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffPlan your questions before the meeting.".encode())
    assert read_document(path).text == "Plan your questions before the meeting."


def test_expand_paths(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    write(tmp_path / "d" / "a.md", "a")
    write(tmp_path / "d" / "sub" / "b.html", "<p>b</p>")
    write(tmp_path / "d" / "c.pdf", "x")
    (tmp_path / "d" / ".git").mkdir()
    write(tmp_path / "d" / ".git" / "x.md", "hidden")
    found = expand_paths([tmp_path / "d", tmp_path / "d" / "a.md"])
    assert [p.name for p in found] == ["a.md", "b.html"]


def test_expand_paths_refusals(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file or directory"):
        expand_paths([tmp_path / "missing.md"])
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "photo.jpg", "x")
    with pytest.raises(DocumentError, match="nothing coach can index"):
        expand_paths([tmp_path / "empty"])
    with pytest.raises(DocumentError, match="unsupported file type '.jpg'"):
        expand_paths([tmp_path / "empty" / "photo.jpg"])
