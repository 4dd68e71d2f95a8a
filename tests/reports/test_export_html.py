"""HTML export: one self-contained file that html.parser reads, with the hot function and line."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import List, Tuple

from heatlens.reports.export import export


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: List[str] = []
        self.tags: List[Tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_report(profile, tmp_path):
    out = tmp_path / "run.html"
    export(profile, "html", str(out))
    page = _Collect()
    page.feed(out.read_text())
    page.close()
    text = " ".join(page.text)
    tags = [t for t, _ in page.tags]
    assert "join_orders" in text and 'if o["cid"] == c["id"]:' in text
    assert "60.0%" in text  # line 8's share in the source heat
    hot_row = next(a for t, a in page.tags if t == "tr" and a.get("id") == "f0-L8")
    cold_row = next(a for t, a in page.tags if t == "tr" and a.get("id") == "f0-L1")
    assert "background" in hot_row.get("style", "") and "style" not in cold_row
    assert "svg" in tags and tags.count("rect") >= 5  # the flame graph
    assert any(t == "a" and a.get("href") == "#f0-L4" for t, a in page.tags)  # join_orders box -> source
    # self-contained: nothing fetched from anywhere
    assert not any(t in ("script", "link", "img", "iframe") for t in tags)
    assert "http://" not in out.read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_html_without_source_or_stacks(profile, tmp_path):
    profile.files[0].sha256 = "0" * 64  # the file changed since the run: its source is not shown
    profile.stacks, profile.frames, profile.functions = [], [], []
    out = tmp_path / "run.html"
    export(profile, "html", str(out))
    html_text = out.read_text()
    assert "No source of your code" in html_text and "recorded no call stacks" in html_text
