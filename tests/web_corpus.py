"""A small archive made for the web tests: enough radar stories to page
through, three sources over two years, one syndicated copy and hostile
text (markup, terminal escapes, a javascript: URL) that must reach the
browser as inert text."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SOURCES = ("Kyodo News", "TASS", "Xinhua")
RADAR_STORIES = 27  # three pages of ten

SENTENCES = [
    "The early-warning radar was moved to a coastal base after months of talks.",
    "Officials said the X-band system would track ballistic missile launches.",
    "The defense ministry declined to comment on the deployment schedule.",
    "Neighbouring governments protested that the radar could look deep into their territory.",
    "A second installation is planned for the southern islands next year.",
    "Engineers tested the array against satellite targets during the night.",
    "The agreement covers intelligence sharing between the two navies.",
    "Analysts said the move reflects growing concern over missile tests.",
    "Local residents raised questions about electromagnetic emissions.",
    "The parliament approved the budget for the new surveillance network.",
    "Military spokesmen described the exercise as routine and defensive.",
    "Satellite imagery showed construction crews at the hilltop site.",
    "The foreign minister called the deployment a threat to regional stability.",
    "Technicians from the manufacturer arrived to calibrate the system.",
    "The command center will relay tracking data to ships at sea.",
    "Observers noted that the announcement came days before the summit.",
    "The navy conducted drills with interceptor-equipped destroyers.",
    "Officials stressed that the radar is aimed at no particular country.",
    "The base commander gave reporters a tour of the control room.",
    "Opposition lawmakers demanded a full accounting of the costs.",
]

HOSTILE_HEADLINE = '<script>alert("headline")</script> Radar <b>bold</b> claim'
HOSTILE_BODY = (
    'Radar report with <img src=x onerror=alert("body")> markup and \x1b[31mred\x1b[0m terminal codes\x07 '
    "inside. " + " ".join(SENTENCES[:6])
)
DUPLICATE_ID = "dup-original"
COPY_ID = "dup-copy"
ODD_ID = "odd/id #1?"  # must survive the trip through links and the article route


def records(seed: int = 18) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(RADAR_STORIES):
        year, month = 2012 + i // 12, i % 12 + 1
        body = " ".join(rng.sample(SENTENCES, 7))
        out.append(
            {
                "id": f"radar-{i:02d}",
                "headline": f"Radar story {i:02d}: {rng.choice(['deployment', 'protest', 'test', 'budget'])} update",
                "date": f"{year}-{month:02d}-{1 + i % 27:02d}",
                "sources": [SOURCES[i % 3]],
                "body": body + f" Story number {i} ends here.",
                "summary": f"Summary of radar story {i}.",
                "url": f"https://news.example/radar/{i}",
            }
        )
    shared_body = " ".join(SENTENCES[6:16]) + " The radar copy test story."
    out.append({"id": DUPLICATE_ID, "headline": "Satellite radar pact signed", "date": "2013-06-01",
                "sources": ["Kyodo News"], "body": shared_body})
    out.append({"id": COPY_ID, "headline": "Satellite radar pact signed (reissued)", "date": "2013-06-03",
                "sources": ["Xinhua"], "body": "BEIJING. " + shared_body})
    out.append({"id": "hostile", "headline": HOSTILE_HEADLINE, "date": "2013-07-04", "sources": ["TASS"],
                "body": HOSTILE_BODY, "summary": "<i>summary</i>\x1b]0;title\x07", "url": "javascript:alert('url')"})
    out.append({"id": "undated-note", "headline": "Undated interceptor note", "body": "An interceptor note without a date."})
    out.append({"id": ODD_ID, "headline": "Odd identifier note", "date": "2013-02-02",
                "body": "A note filed under an identifier with a slash, a space, a hash and a question mark."})
    return out


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "web.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records()), encoding="utf-8")
    return path


def indexed(where: Path) -> Path:
    """``where/index``: an index of the corpus written to ``where/corpus``."""
    from searchkit import SearchIndex

    SearchIndex(where / "index", create=True).update([write(where / "corpus")])
    return where / "index"
