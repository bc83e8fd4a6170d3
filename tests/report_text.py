"""Visible text of a report page, and the text nodes of a Russian page with no Russian in them.

A text node passes when it holds Cyrillic, or when nothing Latin is left once numbers,
punctuation and the names of :data:`carlcities.report.lang.LATIN_OK` are taken out. Text inside
``<code>`` and elements marked ``translate="no"`` (file names, ids, licences, cited sources)
is not checked: that is the allow-list, written into the page where a reader sees it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from carlcities.report.lang import LATIN_OK

SKIP_TAGS = {"script", "style", "code", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
_CYR = re.compile("[А-Яа-яЁё]")
_LATIN = re.compile("[A-Za-z]")
_OK = re.compile("|".join(re.escape(w) for w in sorted(LATIN_OK, key=len, reverse=True)))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[tuple[str, str]] = []

    def _skipped(self) -> bool:
        return any(s for _t, s in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and a.get("alt") and not self._skipped():
            self.nodes.append(("img@alt", a["alt"]))
        if tag in VOID:
            return
        skip = tag in SKIP_TAGS or a.get("translate") == "no"
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if data.strip() and not self._skipped():
            where = "/".join(t for t, _s in self.stack[-3:])
            self.nodes.append((where, " ".join(data.split())))


def text_nodes(html: str) -> list[tuple[str, str]]:
    p = _Text()
    p.feed(html)
    return p.nodes


def latin_leftovers(html: str) -> list[tuple[str, str]]:
    """Visible text nodes of a page with Latin words but no Cyrillic (allowed names aside)."""
    return [(where, s) for where, s in text_nodes(html) if not russian_enough(s)]


def russian_enough(s: str) -> bool:
    """True for a text with Cyrillic, or with nothing Latin once the allowed names are out
    (the same rule for page text, alt texts and the words inside a Russian chart image)."""
    return bool(_CYR.search(s)) or not _LATIN.search(_OK.sub(" ", s))
