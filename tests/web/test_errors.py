"""Every error a visitor can cause on the website: the right status, a sentence in the page's language
that says what was wrong and what to do instead (in web terms, never a command-line option), escaped.

JSON bodies (/api and `.json` paths) keep `error` and add `code` and `message` in the request's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from jamfor.sources.reference import import_demo, load_reference
from jamfor.store import Store
from jamfor.web.app import create_app
from jamfor.web.i18n import ERRORS

HOSTILE = '<script>alert("x")</script>'

# Words that would mean a library sentence or a command-line hint reached a visitor.
CLI_WORDS = ("--", "jamfor ", "'jamfor", "try '", "use one of", "(try", "import them", "give the")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path: Path = tmp_path_factory.mktemp("errors") / "errors.duckdb"
    with Store.open(str(path)) as store:
        store.migrate()
        load_reference(store)
        import_demo(store)
        store.create_network("Nornorna", ["Ronneby", "Karlshamn", "Sölvesborg", "Olofström"])
    with TestClient(create_app(str(path), cache_bytes=0)) as test_client:
        yield test_client


def message_of(response: Response) -> str:
    """The error's sentence as a visitor reads it on the page."""
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', response.text, re.S)
    assert found is not None, response.text[:500]
    return unescape(found.group(1))


# (path, query, status, code, Swedish words, English words)
CASES: list[tuple[str, dict[str, str], int, str, str, str]] = [
    (
        "/kommun/9999",
        {},
        404,
        "unknown_municipality",
        "Det finns ingen kommun som heter eller har kommunkoden ”9999”. Sök efter kommunen på startsidan",
        "There is no municipality named or numbered “9999”. Search for it on the start page",
    ),
    (
        "/kommun/0000",
        {},
        404,
        "not_municipality",
        "”Riket (0000)” är inte en kommun",
        "“Riket (0000)” is not a",
    ),
    (
        "/kommun/Upp",
        {},
        400,
        "ambiguous_municipality",
        "”Upp” passar in på flera kommuner. Skriv hela namnet eller kommunkoden",
        "“Upp” matches several municipalities. Write the full name or the four-digit code",
    ),
    (
        "/nyckeltal/X99999",
        {},
        404,
        "unknown_kpi",
        "Det finns inget nyckeltal med id ”X99999”. Sök efter nyckeltalet på startsidan",
        "There is no KPI with the id “X99999”. Search for the KPI on the start page",
    ),
    (
        "/kommun/1081",
        {"kpi": "N00938,N99999"},
        404,
        "unknown_kpi",
        "inget nyckeltal med id ”N99999”",
        "no KPI with the id “N99999”",
    ),
    (
        "/natverk/finnsinte",
        {},
        404,
        "unknown_group",
        "Det finns inget nätverk och ingen grupp som heter eller har id ”finnsinte”. Välj ett nätverk",
        "There is no network or group named or numbered “finnsinte”. Choose a network",
    ),
    (
        "/kommun/1081",
        {"set": "/etc/passwd"},
        404,
        "unknown_measure_set",
        "Det finns ingen måttuppsättning ”/etc/passwd”. Välj en av dessa: kkik-2015-2017, kkik-2020",
        "There is no measure set “/etc/passwd”. Choose one of these: kkik-2015-2017, kkik-2020",
    ),
    (
        "/mattuppsattning/okand",
        {},
        404,
        "unknown_measure_set",
        "ingen måttuppsättning ”okand”",
        "no measure set “okand”",
    ),
    (
        "/kommun/1081",
        {"set": "kkik-2020", "kpi": "N00938"},
        400,
        "set_and_kpi",
        "Välj antingen en måttuppsättning eller en lista med nyckeltal, inte båda.",
        "Choose either a measure set or a list of KPIs, not both.",
    ),
    (
        "/kommun/1081",
        {"kpi": ",".join(f"N{n:05d}" for n in range(101))},
        400,
        "too_many_kpis",
        "Du har valt 101 nyckeltal; en rapport visar högst 100. Välj färre nyckeltal.",
        "You chose 101 KPIs; a report shows at most 100. Choose fewer KPIs.",
    ),
    (
        "/kommun/1081",
        {"years": "2015-20x"},
        400,
        "bad_years",
        "”2015-20x” går inte att läsa som år. Skriv en period som 2015-2017",
        "“2015-20x” cannot be read as years. Write a period such as 2015-2017",
    ),
    (
        "/jamfor",
        {"kpi": "N00938", "areas": "Ronneby", "years": "2017-2015"},
        400,
        "bad_years",
        "”2017-2015” går inte att läsa som år",
        "“2017-2015” cannot be read as years",
    ),
    (
        "/nyckeltal/N00938",
        {"year": "förra året"},
        400,
        "bad_year",
        "”förra året” är inget år vi kan visa. Skriv ett år med fyra siffror",
        "“förra året” is not a year we can show. Write a four-digit year",
    ),
    (
        "/natverk/nornorna",
        {"year": "3000"},
        400,
        "bad_year",
        "”3000” är inget år vi kan visa",
        "“3000” is not a year we can show",
    ),
    (
        "/kommun/1081",
        {"gender": "X"},
        400,
        "bad_gender",
        "Kön ”X” finns inte. Välj T (totalt), K (kvinnor) eller M (män).",
        "There is no gender “X”. Choose T (total), K (women) or M (men).",
    ),
    (
        "/nyckeltal/N00938",
        {"colour": "rosa"},
        400,
        "bad_colour",
        "Färgskalan ”rosa” finns inte. Välj quartile (kvartiler)",
        "There is no colour scheme “rosa”. Choose quartile (quartiles)",
    ),
    (
        "/kommun/1081",
        {"reference": "grannen"},
        400,
        "bad_reference",
        "Jämförelsen ”grannen” finns inte. Välj i formuläret vad kommunen jämförs med",
        "There is no reference “grannen”. Choose in the form what the municipality is compared with",
    ),
    (
        "/kommun/1081",
        {"reference": "group:finnsinte"},
        404,
        "unknown_reference_group",
        "Det finns ingen grupp ”finnsinte” att jämföra med.",
        "There is no group “finnsinte” to compare with.",
    ),
    (
        "/jamfor",
        {
            "kpi": "N00938",
            "areas": "Ronneby,Karlskrona,Karlshamn,Sölvesborg,Olofström,Växjö,Kalmar,Lund,Malmö,Umeå,Kiruna",
        },
        400,
        "too_many_areas",
        "Du har valt 11 kommuner; jämförelsen visar högst 10. Ta bort några ur listan.",
        "You chose 11 municipalities; the comparison shows at most 10. Remove some from the list.",
    ),
    (
        "/jamfor",
        {"kpi": "N00938", "areas": "Ronneby,1081"},
        400,
        "area_twice",
        "Ronneby (1081) finns två gånger i listan. Skriv varje kommun en gång.",
        "Ronneby (1081) is in the list twice. Name each municipality once.",
    ),
    (
        "/jamfor",
        {"kpi": "N00938", "areas": "Ronneby,Atlantis"},
        404,
        "unknown_municipality",
        "ingen kommun som heter eller har kommunkoden ”Atlantis”",
        "no municipality named or numbered “Atlantis”",
    ),
    (
        "/jamfor",
        {"kpi": "N99999", "areas": "Ronneby"},
        404,
        "unknown_kpi",
        "inget nyckeltal med id ”N99999”",
        "no KPI with the id “N99999”",
    ),
    (
        "/kommun/1081.docx",
        {},
        404,
        "bad_format",
        "Formatet ”.docx” finns inte. Ladda ner sidan som .json, .csv, .xlsx eller .pdf.",
        "There is no format “.docx”. Download the page as .json, .csv, .xlsx or .pdf.",
    ),
    ("/jamfor.txt", {}, 404, "bad_format", "Formatet ”.txt” finns inte", "There is no format “.txt”"),
    (
        "/nyckeltal/N00938.html",
        {},
        404,
        "bad_format",
        "Formatet ”.html” finns inte",
        "There is no format “.html”",
    ),
    (
        "/nyckeltal/N00938",
        {"year": "1990"},
        404,
        "no_data",
        "Det finns inga värden för Sjukpenningtalet, 16–64 år, dagar/registrerad försäkrad (N00938) 1990. Välj "
        "ett annat år",
        "There are no values for Sjukpenningtalet, 16–64 år, dagar/registrerad försäkrad (N00938) 1990. Choose "
        "another year",
    ),
    (
        "/ingenstans",
        {},
        404,
        "no_page",
        "Det finns ingen sida på adressen /ingenstans. Börja på startsidan",
        "There is no page at /ingenstans. Start on the start page",
    ),
    (
        "/",
        {"q": "x" * 201},
        400,
        "bad_parameter",
        "Värdet för q i adressen går inte att använda.",
        "The value of q in the address cannot be used.",
    ),
]


def _id(case: tuple[str, dict[str, str], int, str, str, str]) -> str:
    return f"{case[3]}:{case[0]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_error_pages_say_what_was_wrong_in_swedish_and_english(
    client: TestClient, case: tuple[str, dict[str, str], int, str, str, str]
) -> None:
    path, query, status, code, swedish, english = case
    assert ERRORS[code][0] == status
    page = client.get(path, params=query)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in page.text and "Traceback" not in page.text
    said = message_of(page)
    assert swedish in said, said
    assert not any(word in said for word in CLI_WORDS), said
    assert f'data-code="{code}"' in page.text
    assert ("Hittades inte" if status == 404 else "Felaktig förfrågan") in page.text

    page_en = client.get(path, params={**query, "lang": "en"})
    assert page_en.status_code == status
    assert '<html lang="en">' in page_en.text
    said_en = message_of(page_en)
    assert english in said_en, said_en
    assert not any(word in said_en for word in CLI_WORDS), said_en
    assert ("Not found" if status == 404 else "Bad request") in page_en.text


@pytest.mark.parametrize(
    ("path", "query", "status", "swedish", "english"),
    [
        ("/kommun/9999.csv", {}, 404, "Det finns ingen kommun", "There is no municipality"),
        ("/kommun/1081.xlsx", {"gender": "Q"}, 400, "Kön ”Q” finns inte.", "There is no gender “Q”."),
        ("/natverk/finnsinte.pdf", {}, 404, "Det finns inget nätverk", "There is no network"),
        ("/jamfor.xlsx", {}, 400, "Välj ett nyckeltal och minst en kommun", "Choose a KPI and at least one"),
    ],
)
def test_downloads_get_the_message_as_plain_text(
    client: TestClient, path: str, query: dict[str, str], status: int, swedish: str, english: str
) -> None:
    for lang, words in (("sv", swedish), ("en", english)):
        response = client.get(path, params={**query, "lang": lang})
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith(words) and response.text.endswith("\n")
        assert "attachment" not in response.headers.get("content-disposition", "")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_json_downloads_keep_error_and_add_code_and_message(client: TestClient, lang: str) -> None:
    response = client.get("/kommun/1081.json", params={"years": "20x", "lang": lang})
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "code", "message", "lang"}
    assert body["code"] == "bad_years" and body["lang"] == lang
    assert body["error"].startswith("years '20x'")  # the library's sentence, as before
    words = "går inte att läsa som år" if lang == "sv" else "cannot be read as years"
    assert words in body["message"]
    missing = client.get("/nyckeltal/X1.json", params={"lang": lang})
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_kpi"


def test_api_errors_carry_a_message_in_the_request_language(client: TestClient) -> None:
    swedish = client.get("/api/v1/kpis/N99999")
    assert swedish.status_code == 404
    body = swedish.json()
    assert "'N99999'" in body["error"]  # unchanged: what the API always said
    assert body["code"] == "api_not_found" and body["lang"] == "sv"
    assert body["message"].startswith("Det efterfrågade finns inte.")
    english = client.get("/api/v1/values", params={"kpi": "N00938", "gender": "X", "lang": "en"})
    assert english.status_code == 400
    assert english.json()["code"] == "api_bad_request"
    assert english.json()["message"].startswith("A parameter of the request cannot be used")
    assert "gender" in english.json()["error"]
    unknown_route = client.get("/api/v1/nothing-here", params={"lang": "en"})
    assert unknown_route.status_code == 404 and unknown_route.json()["code"] == "no_page"


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/kommun/" + HOSTILE.replace("/", "%2F"), {}),
        ("/kommun/1081", {"years": HOSTILE}),
        ("/kommun/1081", {"reference": HOSTILE}),
        ("/kommun/1081", {"gender": HOSTILE}),
        ("/nyckeltal/N00938", {"colour": HOSTILE}),
        ("/jamfor", {"kpi": "N00938", "areas": f"Ronneby,{HOSTILE}"}),
        ("/natverk/x" + '"><img src=x onerror=alert(1)>', {}),
    ],
)
def test_hostile_input_is_shown_escaped(client: TestClient, path: str, query: dict[str, str]) -> None:
    page = client.get(path, params=query)
    assert page.status_code in (400, 404)
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;" in page.text or "&#34;" in page.text or "&quot;" in page.text
    assert "onerror=alert" not in page.text.replace("onerror=alert(1)&gt;", "")


def test_long_input_is_shortened_in_the_message(client: TestClient) -> None:
    name = "Å" * 150
    said = message_of(client.get(f"/kommun/{name}"))
    assert "Å" * 79 + "…" in said and "Å" * 80 not in said


def test_errors_are_not_cached_and_good_pages_still_work(client: TestClient) -> None:
    assert client.get("/kommun/9999").status_code == 404
    assert client.get("/kommun/1081").status_code == 200
    assert client.get("/nyckeltal/N00938", params={"year": "2020"}).status_code == 200
