"""The page cleaner on the five raw source articles and on HTML pages with chrome."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.knowledge.cleaner import clean_document, html_to_text, strip_control

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"source articles not present at {SEEDS}")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "title", "kept", "dropped"),
    [
        (
            "000_2aec80c9d7d6e6ea.txt",
            "You Can Choose Your Ideal Mentoring Partner",
            ["at least three next steps that have deadlines", "Schedule the next two meetings",
             "Susan Bender Phelps runs Odyssey Mentoring"],
            ["This Post Has 2 Comments", "Meir Ezra", "rss feed", "Comments are closed",
             "You are currently viewing"],
        ),
        (
            "001_711741a8e7f4da42.txt",
            "Take the Lead in Your Mentoring Relationship",
            ["Share the agenda with your mentor prior to your meeting", "Expect support-not miracles"],
            [],
        ),
        (
            "002_67fb4bca4f1b5257.txt",
            "How to Make Mentoring Work for You – A Mentor’s Perspective",
            ["thought-provoking questions", "Establish clear boundaries regarding confidentially",
             "main focus is on the future"],
            ["Leave a Reply", "(will not be published)", "Posted by Martine Sanscartier & filed under"],
        ),
        (
            "003_597eb47cc7cbd8a4.txt",
            "003_597eb47cc7cbd8a4",
            ["Don’t lead with “Will you be my mentor?”", "bring it to an honorable close",
             "What mentoring opportunities do you have now"],
            ["Oct 23, 2013 | Leadership, People", "Please leave your reply below", "Related Posts",
             "TED Talks", "Amsterdam", "Preferred method of contact", "Required fields", "unsubscribe",
             "Share This"],
        ),
        (
            "004_c247929da511c989.txt",
            "Mentor Me, Mentor You",
            ["Start small.  Ask for some advice.", "IT ISN’T PERSONAL", "Become A Mentor Yourself",
             "being a mentor is better"],
            ["1 Comment", "Filed under Career Development", "Pingback", "Jo McDermott", "Leave a Reply",
             "You are commenting using", "WordPress.com Logo", "Twitter picture", "Facebook photo",
             "Connecting to %s", "Log Out"],
        ),
    ],
)  # fmt: skip
def test_seed_articles_keep_the_article_and_drop_the_chrome(
    name: str, title: str, kept: list[str], dropped: list[str]
) -> None:
    doc = clean_document(seed(name), fallback_title=Path(name).stem)
    assert doc.title == title
    for phrase in kept:
        assert phrase in doc.text, phrase
    for phrase in dropped:
        assert phrase not in doc.text, phrase


def test_repeated_title_line_kept_once() -> None:
    doc = clean_document(seed("000_2aec80c9d7d6e6ea.txt"), fallback_title="x")
    assert doc.text.count("You Can Choose Your Ideal Mentoring Partner") == 1


PAGE = """<!doctype html><html><head><title>Finding a Mentor &amp; Keeping One</title>
<style>body{color:red}</style><script>track()</script></head><body>
<nav class="site-nav"><a href="/">Home</a><a href="/blog">Blog</a></nav>
<header id="masthead"><h1>My Blog</h1></header>
<article class="post">
  <h1>Finding a mentor</h1>
  <p>Ask for <b>twenty minutes</b> of advice before asking for anything bigger.</p>
  <h2>Before the first meeting</h2>
  <ul><li>Write down your goals.</li><li>Prepare three questions.</li></ul>
  <div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3><a>Twitter</a><a>Facebook</a></div>
</article>
<aside class="widget-area"><h2>Recent posts</h2></aside>
<div id="comments" class="comments-area"><h2>2 thoughts on this</h2><p>Great post! Visit my casino.</p>
<div id="respond"><h3>Leave a Reply</h3>
<form><input name="email"><button>Post Comment</button></form></div></div>
<footer class="site-footer">© 2024 Copyright</footer>
</body></html>"""


def test_html_page_keeps_the_article_and_drops_chrome() -> None:
    doc = clean_document(PAGE, fallback_title="page")
    assert doc.title == "Finding a Mentor & Keeping One"
    assert "Ask for twenty minutes of advice before asking for anything bigger." in doc.text
    assert "## Before the first meeting" in doc.text
    assert "- Write down your goals." in doc.text and "- Prepare three questions." in doc.text
    for chrome in ("Home", "My Blog", "Share this", "Twitter", "Recent posts", "casino", "Leave a Reply",
                   "Post Comment", "Copyright", "track()", "color:red"):  # fmt: skip
        assert chrome not in doc.text, chrome


def test_html_without_article_wrapper_still_drops_comment_thread() -> None:
    _, text = html_to_text(
        "<html><body><p>Keep your appointments and reschedule at once if you cancel.</p>"
        "<ol class='commentlist'><li>Nice blog, subscribe to mine</li></ol></body></html>"
    )
    assert "Keep your appointments" in text and "subscribe" not in text


def test_terminal_escape_sequences_are_removed() -> None:
    raw = "Title\n\nKeep \x1b[31mred\x1b[0m text\x07 and \x1b]0;evil title\x07 this.\r\nNext line."
    doc = clean_document(raw, fallback_title="x")
    assert "\x1b" not in doc.text and "\x07" not in doc.text and "\r" not in doc.text
    assert "Keep red text and  this." in doc.text
    assert strip_control("a\tb\nc") == "a\tb\nc"


def test_a_page_that_opens_with_share_this_is_not_emptied() -> None:
    text = "Share this\n\n" + "Mentoring works when both people prepare for each meeting. " * 10
    assert "Mentoring works" in clean_document(text, fallback_title="x").text


def test_body_classes_do_not_hide_the_page() -> None:
    _, text = html_to_text(
        '<html><body class="single-post comments-open has-sidebar">'
        "<p>Agree how often you will meet and book the next two meetings.</p></body></html>"
    )
    assert "book the next two meetings" in text
