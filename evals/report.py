"""A self-contained HTML report for `coach eval run`: inline CSS and SVG, no external assets."""

from __future__ import annotations

from html import escape
from typing import Any

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:980px}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#b00020}.good{color:#1b7f3b}
.chart{display:inline-block;margin:0 1rem 1rem 0;vertical-align:top}
"""


def _bar_chart(title: str, bars: list[tuple[str, float]], width: int = 300) -> str:
    """Horizontal bars for values in 0..1."""
    height = 22 * len(bars) + 30
    rows = []
    for index, (label, value) in enumerate(bars):
        y = 24 + index * 22
        length = max(0.0, min(1.0, value)) * (width - 130)
        colour = "#1b7f3b" if value >= 0.5 else "#b00020"
        rows.append(
            f'<text x="0" y="{y + 12}" font-size="11">{escape(label)}</text>'
            f'<rect x="90" y="{y}" width="{length:.1f}" height="16" fill="{colour}"/>'
            f'<text x="{95 + length:.1f}" y="{y + 12}" font-size="11">{value:.2f}</text>'
        )
    return (
        f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>{"".join(rows)}</svg>'
    )


def render_html(report: dict[str, Any]) -> str:
    skills = report.get("skills", {})
    charts = []
    for skill, m in skills.items():
        replies = [r for r in report.get("replies", []) if r["skill"] == skill]
        bars = [("mean score", m["mean_score"]), ("aligned", m["aligned_rate"])]
        bars += [(f"{r['scenario'][:10]} #{r['turn']}", r["score"]) for r in replies[:12]]
        charts.append(_bar_chart(skill, bars))
    skill_rows = "".join(
        f"<tr><td>{escape(s)}</td><td>{m['replies']}</td><td>{m['mean_score']:.3f}</td>"
        f"<td>{m['aligned_rate']:.0%}</td></tr>"
        for s, m in skills.items()
    )
    principle_rows = "".join(
        f"<tr><td>{escape(p)}</td><td class='good'>{c['honoured']}</td>"
        f"<td class='bad'>{c['violated']}</td></tr>"
        for p, c in report.get("principles", {}).items()
    )
    reply_rows = "".join(
        f"<tr><td>{escape(r['scenario'])}</td><td>{r['turn']}</td><td>{escape(r['skill'])}</td>"
        f"<td class='{'good' if r['verdict'] == 'aligned' else 'bad'}'>{escape(r['verdict'])}</td>"
        f"<td>{r['score']:.2f}</td><td>{escape(', '.join(r['violated']))}</td></tr>"
        for r in report.get("replies", [])
    )
    errors = "".join(f"<li>{escape(e)}</li>" for e in report.get("errors", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coach eval run</title><style>{_CSS}</style></head>
<body>
<h1>Coach run: {escape(str(report.get("coach")))} coach, {escape(str(report.get("judge")))} judge</h1>
<h2>Per skill</h2>
<div>{"".join(charts)}</div>
<table><tr><th>skill</th><th>replies</th><th>mean score</th><th>aligned</th></tr>{skill_rows}</table>
<h2>Per principle</h2>
<table><tr><th>principle</th><th>honoured</th><th>violated</th></tr>{principle_rows}</table>
<h2>Replies</h2>
<table><tr><th>scenario</th><th>turn</th><th>skill</th><th>verdict</th><th>score</th><th>violated</th></tr>
{reply_rows}</table>
{"<h2>Errors</h2><ul>" + errors + "</ul>" if errors else ""}
</body></html>
"""
