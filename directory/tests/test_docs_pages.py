"""The documentation pages at /docs/: the project's Markdown, rendered safely on the site."""

import os
import re

import pytest

from directory.docs import PUBLISHED, Doc, published_doc, render_markdown, rendered_doc

pytestmark = pytest.mark.django_db

API = published_doc("api")


def test_the_index_lists_every_published_document_with_a_link(client):
    response = client.get("/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    for doc in PUBLISHED:
        assert f'<a href="/docs/{doc.slug}/">{doc.title}</a>' in html
    assert 'href="/api/docs/"' in html


def test_the_api_guide_is_a_page_with_its_sections_tables_and_examples(client):
    response = client.get("/docs/api/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html
    assert "Partner REST API (v1)" in html
    assert '<h2 id="2-errors">2. Errors</h2>' in html
    assert '<a href="#2-errors">2. Errors</a>' in html  # "On this page"
    assert "<table>" in html
    assert '<pre><code class="language-sh">' in html
    assert "create_partner_key" in html


def test_the_product_guide_is_published_too(client):
    response = client.get("/docs/product/")

    assert response.status_code == 200
    assert "What Verified means" in response.content.decode()


def test_every_published_document_exists_and_renders():
    for doc in PUBLISHED:
        page = rendered_doc(doc)
        assert page.title
        assert page.sections, doc.slug


def test_an_unknown_document_is_the_sites_404_page(client):
    response = client.get("/docs/performance/")

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert client.get("/docs/../README/").status_code == 404


def test_a_docs_page_reads_nothing_from_the_database(client, django_assert_num_queries):
    client.get("/docs/api/")  # rendered once, then kept in memory

    with django_assert_num_queries(0):
        assert client.get("/docs/api/").status_code == 200


def test_docs_pages_run_under_the_strict_content_security_policy(client):
    response = client.get("/docs/api/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html
    assert " style=" not in html


def test_links_between_documents_lead_to_their_pages_and_other_files_are_plain_text():
    source = Doc(slug="guide", path="docs/guide.md", title="Guide", summary="")
    markdown = (
        "See [the API guide](api.md#2-errors), [the contract](product.md), "
        "[search](search.md), [security](../SECURITY.md), [a page](/practitioners/), "
        "[a section](#top) and [Django](https://www.djangoproject.com/)."
    )

    html = str(render_markdown(markdown, source).html)

    assert '<a href="/docs/api/#2-errors">the API guide</a>' in html
    assert '<a href="/docs/product/">the contract</a>' in html
    assert "search, security," in html  # unpublished files: the words stay, the link goes
    assert 'href="search.md"' not in html
    assert '<a href="/practitioners/">a page</a>' in html
    assert '<a href="#top">a section</a>' in html
    assert '<a href="https://www.djangoproject.com/">Django</a>' in html


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ('<img src="x" onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", 'href="javascript:'),
        ("[click](JaVaScRiPt:alert(1))", 'href="JaVaScRiPt:'),
        ("![x](data:text/html;base64,PHNjcmlwdD4=)", 'src="data:text/html'),
        ('<a href="https://evil.example/">x</a>', '<a href="https://evil.example/">'),
        ("# Title <style>body{}</style>", "<style>"),
        ("```\n</code></pre><script>x</script>\n```", "<script>"),
    ],
)
def test_markup_in_a_document_is_shown_as_text_never_run(markdown, forbidden):
    html = str(render_markdown(markdown, API).html)

    assert forbidden not in html


def test_a_changed_file_is_rendered_again(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    (tmp_path / "docs").mkdir()
    path = tmp_path / "docs" / "api.md"
    path.write_text("# First\n\n## One\n")
    first = rendered_doc(API)
    path.write_text("# Second\n\n## Two\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    second = rendered_doc(API)

    assert first.title == "First"
    assert second.title == "Second"
    assert [heading for _, heading in second.sections] == ["Two"]


def test_the_api_reference_links_partners_to_the_guide(client):
    schema = client.get("/api/schema/?format=json").json()

    links = re.findall(r"\]\((/[^)]*)\)", schema["info"]["description"])
    assert links == ["/docs/api/"]
    assert client.get(links[0]).status_code == 200
