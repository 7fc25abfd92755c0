"""The project's own Markdown documents (docs/*.md) published as pages at /docs/<slug>/.

``PUBLISHED`` is the list of documents the site serves; adding one (the FHIR guide, say) is
one line here. The Markdown is read from the repository and rendered with markdown-it's
CommonMark parser with raw HTML turned off, so anything that looks like markup in a
document is shown as text, and links with a scheme such as ``javascript:`` are refused by
the parser. Links between documents are rewritten to the pages that serve them; a link to a
repository file the site does not publish is shown as plain text. A rendering is kept in
memory until the file changes.
"""

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

DOCS_DIR = "docs"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class Doc:
    slug: str
    path: str  # relative to the repository root
    title: str
    summary: str

    @property
    def url(self) -> str:
        return reverse("docs:page", kwargs={"slug": self.slug})

    @property
    def file(self) -> Path:
        return Path(settings.BASE_DIR) / self.path


PUBLISHED: tuple[Doc, ...] = (
    Doc(
        slug="api",
        path=f"{DOCS_DIR}/api.md",
        title="Partner API guide",
        summary="Keys, errors, rate limits, searching the directory, review invitations "
        "and webhooks.",
    ),
    Doc(
        slug="fhir",
        path=f"{DOCS_DIR}/fhir.md",
        title="FHIR R4 API guide",
        summary="Practitioners, roles, clinics and verification results as FHIR R4, "
        "search, the safety-summary extension and bulk export.",
    ),
    Doc(
        slug="product",
        path=f"{DOCS_DIR}/product.md",
        title="How the directory works",
        summary="What Verified means, statuses and vocabulary, public addresses and search "
        "parameters, commands and performance budgets.",
    ),
)


@dataclass(frozen=True)
class RenderedDoc:
    doc: Doc
    title: str  # the document's first heading
    html: SafeString
    sections: tuple[tuple[str, str], ...]  # (anchor, heading text) of each second-level heading


def published_doc(slug: str) -> Doc | None:
    return next((doc for doc in PUBLISHED if doc.slug == slug), None)


def _doc_by_path(path: str) -> Doc | None:
    return next((doc for doc in PUBLISHED if doc.path == path), None)


def _resolve_link(href: str, source: Doc) -> str | None:
    """Where a link in ``source`` should point on the site; None to show it as text.

    Absolute URLs, site paths and in-page anchors are kept; a relative link to another
    published document becomes that document's page; any other file of the repository is
    not on the site.
    """
    if not href or href.startswith(("/", "#")) or _SCHEME.match(href):
        return href
    target, _, fragment = href.partition("#")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(source.path), target))
    doc = _doc_by_path(path)
    if doc is None:
        return None
    return f"{doc.url}#{fragment}" if fragment else doc.url


def _markdown(source: Doc) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(anchors_plugin, min_level=1, max_level=3)

    def link_open(renderer, tokens: list[Token], idx: int, options, env) -> str:
        token = tokens[idx]
        href = _resolve_link(str(token.attrGet("href") or ""), source)
        env.setdefault("dropped_links", []).append(href is None)
        if href is None:
            return ""
        token.attrSet("href", href)
        return renderer.renderToken(tokens, idx, options, env)

    def link_close(renderer, tokens: list[Token], idx: int, options, env) -> str:
        if env["dropped_links"].pop():
            return ""
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("link_close", link_close)
    return md


def _plain_text(inline: Token) -> str:
    return "".join(
        child.content for child in inline.children or [] if child.type in {"text", "code_inline"}
    )


def render_markdown(text: str, source: Doc) -> RenderedDoc:
    """Render one document's Markdown; every character of it is escaped as text."""
    md = _markdown(source)
    tokens = md.parse(text)
    title, sections = None, []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        if token.tag == "h1" and title is None:
            title = _plain_text(tokens[index + 1])
        elif token.tag == "h2":
            sections.append((str(token.attrGet("id")), _plain_text(tokens[index + 1])))
    # Safe: the parser escapes all text and refuses raw HTML and unsafe link schemes.
    html = mark_safe(md.renderer.render(tokens, md.options, {}))
    return RenderedDoc(doc=source, title=title or source.title, html=html, sections=tuple(sections))


@lru_cache(maxsize=32)
def _render_file(doc: Doc, mtime_ns: int) -> RenderedDoc:
    return render_markdown(doc.file.read_text(encoding="utf-8"), doc)


def rendered_doc(doc: Doc) -> RenderedDoc:
    """``doc`` rendered, from memory unless its file changed since the last rendering."""
    return _render_file(doc, doc.file.stat().st_mtime_ns)
