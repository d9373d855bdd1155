"""What search engines read in the built pages (Lighthouse's SEO audits ask for it too): every page
has a description of its own and its canonical URL under site_url, and the browser tests cover every
page of the sitemap."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from browser_support import page_urls, site_url_of_config, sitemap_pages

PAGES = page_urls()
SITE_URL = site_url_of_config()


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.description = None
        self.canonical = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs.get("href")


def _head(built_site: Path, url: str) -> _Head:
    head = _Head()
    head.feed((built_site / url / "index.html").read_text(encoding="utf-8"))
    return head


def test_the_pages_the_browser_tests_open_are_the_sitemap(built_site):
    assert sorted(PAGES) == sorted(sitemap_pages(built_site, SITE_URL))


def test_every_page_has_its_own_description_and_canonical_url(built_site):
    """Descriptions come from front matter; the lab's from its notebook metadata."""
    descriptions = {}
    for url in PAGES:
        head = _head(built_site, url)
        assert head.description and len(head.description) >= 50, f"{url or 'home'}: no real description"
        descriptions[url] = head.description
        assert head.canonical == SITE_URL + url
    shared = {text for text in descriptions.values() if list(descriptions.values()).count(text) > 1}
    assert shared == set(), "pages share a description"
