"""A static host on localhost for a built site, as GitHub Pages serves it: under the path of site_url,
gzip for text, 404.html for a missing page. Used by scripts/lighthouse.py and the browser tests.

    with StaticSite(Path("site"), site_path(site_url_of_config())) as running:
        print(running.url)
"""

from __future__ import annotations

import gzip
import sys
import mimetypes
import posixpath
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
_TYPES = {".js": "application/javascript", ".svg": "image/svg+xml", ".json": "application/json", ".xml": "application/xml"}


def site_path(site_url: str) -> str:
    """The path a static host serves the site under: /derivatives-in-pytorch/ for a project site."""
    path = urllib.parse.urlsplit(site_url).path or "/"
    return path if path.endswith("/") else path + "/"


class _Handler(BaseHTTPRequestHandler):
    server: StaticSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the tests and the script report what matters
        pass

    def do_HEAD(self):
        self._serve(body=False)

    def do_GET(self):
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        status, headers, file = self.server.respond(urllib.parse.urlsplit(self.path).path)
        content = b""
        if file is not None:
            content = file.read_bytes()
            if headers["Content-Type"].startswith(_COMPRESSIBLE):
                headers["Vary"] = "Accept-Encoding"
                if "gzip" in self.headers.get("Accept-Encoding", ""):
                    content = self.server.gzipped(file, content)
                    headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)


class StaticSite(ThreadingHTTPServer):
    """A built site served on 127.0.0.1 as GitHub Pages serves it.

    Files live under `prefix` (site_url's path); a folder answers with its index.html, a folder
    without its trailing slash is redirected, and anything missing gets 404.html with status 404.
    Text is gzipped when the browser accepts it. Cache-Control is GitHub Pages' ten minutes.
    """

    daemon_threads = True

    def __init__(self, site: Path, prefix: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = Path(site).resolve()
        self.prefix = prefix
        self._gzip_cache: dict[tuple, bytes] = {}
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        # A browser that drops a connection (Lighthouse closing its tab) is not the site's problem.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)

    def gzipped(self, file: Path, content: bytes) -> bytes:
        key = (file, len(content), file.stat().st_mtime_ns)
        with self._lock:
            if key not in self._gzip_cache:
                self._gzip_cache[key] = gzip.compress(content, compresslevel=9, mtime=0)
            return self._gzip_cache[key]

    def respond(self, url_path: str) -> tuple[int, dict[str, str], Path | None]:
        """Status, headers and the file to send (None for a redirect)."""
        path = urllib.parse.unquote(url_path)
        if path + "/" == self.prefix:
            return HTTPStatus.MOVED_PERMANENTLY, {"Location": self.prefix}, None
        if not path.startswith(self.prefix):
            return self._not_found()
        relative = posixpath.normpath(path[len(self.prefix) :]).lstrip("/")
        file = (self.site / relative).resolve()
        if file != self.site and self.site not in file.parents:
            return self._not_found()
        if file.is_dir():
            if not path.endswith("/"):
                return HTTPStatus.MOVED_PERMANENTLY, {"Location": url_path + "/"}, None
            file = file / "index.html"
        if not file.is_file():
            return self._not_found()
        return HTTPStatus.OK, self._headers(file), file

    def _not_found(self):
        page = self.site / "404.html"
        return HTTPStatus.NOT_FOUND, self._headers(page), page

    @staticmethod
    def _headers(file: Path) -> dict[str, str]:
        kind = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
            kind += "; charset=utf-8"
        return {"Content-Type": kind, "Cache-Control": "max-age=600"}


def site_url_of_config() -> str:
    for line in (ROOT / "mkdocs.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("site_url:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("mkdocs.yml has no site_url")


def sitemap_pages(site: Path, site_url: str) -> list[str]:
    """Every page of the sitemap, as a path relative to the site's root ('' for the home page)."""
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text.strip() for loc in ET.parse(site / "sitemap.xml").getroot().findall("s:url/s:loc", namespace)]
    return [location.removeprefix(site_url) for location in locations]
