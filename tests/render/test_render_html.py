"""HTML: a standalone Swedish document, accessible tables, no outside requests, escaped input."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from jamfor.render import render
from jamfor.render.html import render_document, render_fragment, stylesheet
from jamfor.reports.model import KpiReport, MunicipalityReport, Named, NetworkReport
from tests.render.reports import HOSTILE
from tests.render.reports import ronneby as build_ronneby


class Page(HTMLParser):
    """The tags, attributes and visible text of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not any(t in ("style", "script", "title") for t in self._open):
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def visible(self) -> str:
        # Only ASCII white space collapses: the thin space inside "138 512" is part of the figure.
        return re.sub(r"[ \t\r\n]+", " ", " ".join(self.text)).strip()


def _html(report: MunicipalityReport | NetworkReport | KpiReport, lang: str = "sv") -> str:
    content = render(report, "html", lang=lang)
    assert isinstance(content, str)
    return content


def test_a_complete_swedish_document(ronneby: MunicipalityReport) -> None:
    html = _html(ronneby)
    assert html.startswith("<!doctype html>")
    assert '<html lang="sv">' in html
    page = Page(html)
    assert page.all("meta")[0] == {"charset": "utf-8"}
    assert len(page.all("style")) == 1
    assert page.all("link") == [] and page.all("img") == [] and page.all("script") == []


def test_no_outside_resources(any_report: MunicipalityReport | NetworkReport | KpiReport) -> None:
    html = _html(any_report)
    assert "http://" not in html and "https://" not in html
    assert "url(" not in html and "@import" not in html


def test_tables_have_captions_and_header_scopes(ronneby: MunicipalityReport) -> None:
    page = Page(_html(ronneby))
    assert len(page.all("table")) == len(page.all("caption")) == 4
    scopes = [attrs.get("scope") for attrs in page.all("th")]
    assert set(scopes) == {"col", "row"}
    assert scopes.count("row") == len(ronneby.rows)
    for perspective in ("Tillgänglighet", "Trygghet", "Effektivitet", "Samhällsutveckling"):
        assert f">{perspective}</caption>" in _html(ronneby)


def test_swedish_numbers_and_missing_values(ronneby: MunicipalityReport) -> None:
    text = Page(_html(ronneby)).visible
    assert "8,2" in text and "10,0" in text and "12,1" in text
    assert "138\u202f512" in text  # thin space between thousands
    assert "uppgift saknas" in text
    assert "8.2" not in text


def test_arrows_carry_a_text_alternative_and_colours_words(ronneby: MunicipalityReport) -> None:
    page = Page(_html(ronneby))
    arrows = [a for a in page.all("span") if a.get("class") == "jf-arrow"]
    assert arrows and all(a["role"] == "img" and a["aria-label"] for a in arrows)
    assert {a["aria-label"] for a in arrows} >= {"värdet har ökat", "värdet har minskat"}
    text = page.visible
    assert "↑ förbättrad" in text and "↓ försämrad" in text
    assert "grön: bland de 25 % bästa" in text and "röd: bland de 25 % sämsta" in text
    assert "graderas inte" in text  # the uncoloured cost row says so
    swatches = [s for s in page.all("span") if (s.get("class") or "").startswith("jf-swatch")]
    assert swatches and all(s.get("aria-hidden") == "true" for s in swatches)


def test_sources_and_the_own_figures_line(kungsbacka: MunicipalityReport) -> None:
    text = Page(_html(kungsbacka)).visible
    assert "Källa: Kungsbacka kommun, årsredovisning 2014 (egna nyckeltal)" in text
    assert "beräknade av jamfor, inte av Kolada" in text
    assert "Kungsbacka ligger på 17:e plats i riket." in text
    assert "gul: kan inte jämföras med Riket" in text
    assert "gul: i nivå med Riket" in text


def test_a_hostile_title_is_shown_as_text() -> None:
    report = build_ronneby(title_of_first=HOSTILE)
    report.sources = ['<img src="https://evil.example/x.png">']
    html = render_document(report)
    page = Page(html)
    assert page.all("script") == [] and page.all("img") == []
    assert HOSTILE in page.visible
    assert '<img src="https://evil.example/x.png">' in page.visible
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_the_fragment_is_the_documents_section(ronneby: MunicipalityReport) -> None:
    fragment = render_fragment(ronneby)
    assert fragment.lstrip().startswith('<section class="jf-report jf-report-municipality" lang="sv"')
    assert "<html" not in fragment and "<style" not in fragment
    assert fragment.strip() in render_document(ronneby)
    assert ".jf-table" in stylesheet()


def test_english_labels(ronneby: MunicipalityReport) -> None:
    html = _html(ronneby, lang="en")
    assert '<html lang="en">' in html
    text = Page(html).visible
    assert "Mean 2017" in text and "Sweden 2017" in text and "no data" in text
    assert "↑ improved" in text and "green: among the best 25 %" in text
    assert "8.2" in text and "138,512" in text
    assert "* ej jämförbar siffra med 2015" in text  # comments stay as the report has them


def test_network_page(nornorna: NetworkReport) -> None:
    page = Page(_html(nornorna))
    text = page.visible
    headings = [h.strip() for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', _html(nornorna))]
    assert headings[:8] == ["Mått", *[m.name for m in nornorna.members]]
    assert "14,7 256:e röd" in text  # Berg's sickness rate: value, place and colour word
    assert "Hallstahammar" in text and "Nätverkets medel" in headings
    assert len(page.all("caption")) == 4


def test_kpi_page_with_histogram_and_its_data_table(kpi: KpiReport) -> None:
    html = _html(kpi)
    page = Page(html)
    svgs = page.all("svg")
    assert len(svgs) == 1 and svgs[0]["role"] == "img"
    assert len(page.all("rect")) == len(kpi.distribution.bins)
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", html)
    assert captions == ["Fördelning 2016", "Antal kommuner per värdeintervall", "Rangordning 2016"]
    text = page.visible
    assert "Uppgift saknas för 53 kommuner:" in text
    assert "1 Åsele 4 grön: bland de 25 % bästa Västerbottens län" in text


def _wide_network(nornorna: NetworkReport, copies: int = 2) -> NetworkReport:
    """Nornorna's members twice over (as if 14 municipalities): wider than a page."""
    members = list(nornorna.members)
    for n in range(1, copies):
        for m in list(nornorna.members):
            twin = Named(f"{m.id}-{n}", f"{m.name} {n + 1}")
            members.append(twin)
            for row in nornorna.rows:
                row.members[twin.id] = row.members[m.id]
    nornorna.members = members
    return nornorna


def test_a_wide_network_is_split_over_tables(nornorna: NetworkReport) -> None:
    report = _wide_network(nornorna)
    html = render_document(report)
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", html)
    assert captions[:3] == [
        "Tillgänglighet (Berg–Östersund)",
        "Tillgänglighet (Berg 2–Östersund 2)",
        "Tillgänglighet (jämförelsevärden)",
    ]
    assert len(captions) == 3 * 4
    assert "Hallstahammar" in html
    one_each = render_fragment(report, max_members=None)
    assert len(re.findall("<caption", one_each)) == 4


def test_four_colour_quartiles(ronneby: MunicipalityReport) -> None:
    ronneby.colour_scheme = "quartile4"
    ronneby.rows[0].colour = "lightgreen"
    ronneby.rows[1].colour = "orange"
    html = _html(ronneby)
    text = Page(html).visible
    assert "ljusgrön: näst bästa fjärdedelen" in text and "orange: näst sämsta fjärdedelen" in text
    assert "jf-fill-lightgreen" in html and "jf-fill-orange" in html
    assert "kvartiler, fyra färger" in text
