"""Errors a visitor caused, worded for the web in Swedish and English (no command-line options).

`ERRORS` says what went wrong and what to do instead, by code; `WebError` carries a code and the
visitor's words; the `web_*` checks and `lookup` turn the library's checks and lookups into such
errors. The page chrome's words are in `jamfor.web.i18n`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TypeVar

from jamfor.errors import AmbiguousNameError, JamforError, NotFoundError
from jamfor.render.text import Lang

if TYPE_CHECKING:
    from jamfor.model import Area
    from jamfor.reports.model import ColourScheme
    from jamfor.store import Store

T = TypeVar("T")

# What went wrong and what to do instead, by error code; {value} is what the visitor gave (shortened,
# and escaped wherever it is shown). 404 for things that do not exist, 400 for unusable parameters.
ERRORS: Final[dict[str, tuple[int, dict[Lang, str]]]] = {
    "unknown_municipality": (
        404,
        {
            "sv": "Det finns ingen kommun som heter eller har kommunkoden ”{value}”. Sök efter kommunen "
            "på startsidan, eller skriv dess kommunkod med fyra siffror (till exempel 1081 för Ronneby).",
            "en": "There is no municipality named or numbered “{value}”. Search for it on the start page, "
            "or use its four-digit code (for example 1081 for Ronneby).",
        },
    ),
    "not_municipality": (
        404,
        {
            "sv": "”{value}” är inte en kommun. Den här sidan visar kommuner: sök efter en kommun på startsidan.",
            "en": "“{value}” is not a municipality. This page shows municipalities: search for one on the "
            "start page.",
        },
    ),
    "ambiguous_municipality": (
        400,
        {
            "sv": "”{value}” passar in på flera kommuner. Skriv hela namnet eller kommunkoden med fyra siffror.",
            "en": "“{value}” matches several municipalities. Write the full name or the four-digit code.",
        },
    ),
    "unknown_kpi": (
        404,
        {
            "sv": "Det finns inget nyckeltal med id ”{value}”. Sök efter nyckeltalet på startsidan; "
            "ett id ser ut som N00938.",
            "en": "There is no KPI with the id “{value}”. Search for the KPI on the start page; an id looks "
            "like N00938.",
        },
    ),
    "unknown_group": (
        404,
        {
            "sv": "Det finns inget nätverk och ingen grupp som heter eller har id ”{value}”. Välj ett "
            "nätverk, en kommungrupp eller ett län i listan under Nätverk och grupper.",
            "en": "There is no network or group named or numbered “{value}”. Choose a network, municipality "
            "group or county from the list under Networks and groups.",
        },
    ),
    "ambiguous_group": (
        400,
        {
            "sv": "”{value}” passar in på flera nätverk eller grupper. Välj det du menar i listan under "
            "Nätverk och grupper.",
            "en": "“{value}” matches several networks or groups. Choose the one you mean from the list "
            "under Networks and groups.",
        },
    ),
    "unknown_measure_set": (
        404,
        {
            "sv": "Det finns ingen måttuppsättning ”{value}”. Välj en av dessa: {allowed}.",
            "en": "There is no measure set “{value}”. Choose one of these: {allowed}.",
        },
    ),
    "set_and_kpi": (
        400,
        {
            "sv": "Välj antingen en måttuppsättning eller en lista med nyckeltal, inte båda. "
            "Ta bort det ena ur adressen eller välj igen i formuläret.",
            "en": "Choose either a measure set or a list of KPIs, not both. Remove one of them from the "
            "address or choose again in the form.",
        },
    ),
    "too_many_kpis": (
        400,
        {
            "sv": "Du har valt {value} nyckeltal; en rapport visar högst {most}. Välj färre nyckeltal.",
            "en": "You chose {value} KPIs; a report shows at most {most}. Choose fewer KPIs.",
        },
    ),
    "bad_years": (
        400,
        {
            "sv": "”{value}” går inte att läsa som år. Skriv en period som 2015-2017 eller enskilda år som "
            "2015,2016,2017, eller välj åren i formuläret.",
            "en": "“{value}” cannot be read as years. Write a period such as 2015-2017 or single years such "
            "as 2015,2016,2017, or choose the years in the form.",
        },
    ),
    "bad_year": (
        400,
        {
            "sv": "”{value}” är inget år vi kan visa. Skriv ett år med fyra siffror, till exempel 2022, "
            "eller välj året i formuläret.",
            "en": "“{value}” is not a year we can show. Write a four-digit year such as 2022, or choose the "
            "year in the form.",
        },
    ),
    "bad_gender": (
        400,
        {
            "sv": "Kön ”{value}” finns inte. Välj T (totalt), K (kvinnor) eller M (män).",
            "en": "There is no gender “{value}”. Choose T (total), K (women) or M (men).",
        },
    ),
    "bad_colour": (
        400,
        {
            "sv": "Färgskalan ”{value}” finns inte. Välj quartile (kvartiler), quartile4 (kvartiler, fyra "
            "färger) eller reference (mot jämförelsevärdet).",
            "en": "There is no colour scheme “{value}”. Choose quartile (quartiles), quartile4 (quartiles, "
            "four colours) or reference (against the reference).",
        },
    ),
    "bad_reference": (
        400,
        {
            "sv": "Jämförelsen ”{value}” finns inte. Välj i formuläret vad kommunen jämförs med: ovägt "
            "medel (mean), riket (riket) eller en grupp (group: följt av gruppens id, t.ex. group:kg:C7).",
            "en": "There is no reference “{value}”. Choose in the form what the municipality is compared "
            "with: the unweighted mean (mean), Sweden (riket) or a group (group: and its id, e.g. "
            "group:kg:C7).",
        },
    ),
    "unknown_reference_group": (
        404,
        {
            "sv": "Det finns ingen grupp ”{value}” att jämföra med. Välj en kommungrupp, ett län eller ett "
            "nätverk i formuläret på kommunens sida.",
            "en": "There is no group “{value}” to compare with. Choose a municipality group, county or "
            "network in the form on the municipality's page.",
        },
    ),
    "too_many_areas": (
        400,
        {
            "sv": "Du har valt {value} kommuner; jämförelsen visar högst {most}. Ta bort några ur listan.",
            "en": "You chose {value} municipalities; the comparison shows at most {most}. Remove some from "
            "the list.",
        },
    ),
    "area_twice": (
        400,
        {
            "sv": "{value} finns två gånger i listan. Skriv varje kommun en gång.",
            "en": "{value} is in the list twice. Name each municipality once.",
        },
    ),
    "compare_incomplete": (
        400,
        {
            "sv": "Välj ett nyckeltal och minst en kommun för att ladda ner en jämförelse, till exempel "
            "/jamfor.xlsx?kpi=N00938&areas=Ronneby,Karlskrona.",
            "en": "Choose a KPI and at least one municipality to download a comparison, for example "
            "/jamfor.xlsx?kpi=N00938&areas=Ronneby,Karlskrona.",
        },
    ),
    "bad_format": (
        404,
        {
            "sv": "Formatet ”{value}” finns inte. Ladda ner sidan som .json, .csv, .xlsx eller .pdf.",
            "en": "There is no format “{value}”. Download the page as .json, .csv, .xlsx or .pdf.",
        },
    ),
    "no_data": (
        404,
        {
            "sv": "Det finns inga värden för {value}. Välj ett annat år eller ett annat nyckeltal.",
            "en": "There are no values for {value}. Choose another year or another KPI.",
        },
    ),
    "no_page": (
        404,
        {
            "sv": "Det finns ingen sida på adressen {value}. Börja på startsidan och sök efter en kommun, "
            "ett nyckeltal eller ett nätverk.",
            "en": "There is no page at {value}. Start on the start page and search for a municipality, a "
            "KPI or a network.",
        },
    ),
    "bad_parameter": (
        400,
        {
            "sv": "Värdet för {value} i adressen går inte att använda. Välj igen i formuläret eller börja "
            "om från startsidan.",
            "en": "The value of {value} in the address cannot be used. Choose again in the form or start "
            "over from the start page.",
        },
    ),
    # For errors no check above caught: the library's own words are not shown on pages.
    "not_found": (
        404,
        {
            "sv": "Det du letar efter finns inte. Sök efter kommunen, nyckeltalet eller nätverket på "
            "startsidan.",
            "en": "What you are looking for does not exist. Search for the municipality, KPI or network "
            "on the start page.",
        },
    ),
    "bad_request": (
        400,
        {
            "sv": "Sidan kan inte visas med de här valen. Ändra valen i formuläret eller börja om från "
            "startsidan.",
            "en": "The page cannot be shown with these choices. Change them in the form or start over from "
            "the start page.",
        },
    ),
    # The JSON API's errors keep the library's sentence in `error`; these are their `message`.
    "api_not_found": (
        404,
        {
            "sv": "Det efterfrågade finns inte. Kontrollera id:t eller namnet; /api/v1/areas, "
            "/api/v1/groups och /api/v1/kpis listar vad som finns.",
            "en": "What was asked for does not exist. Check the id or name; /api/v1/areas, /api/v1/groups "
            "and /api/v1/kpis list what there is.",
        },
    ),
    "api_bad_request": (
        400,
        {
            "sv": "En parameter i förfrågan går inte att använda; fältet error säger vilken. Se "
            "API-beskrivningen på /api/docs.",
            "en": "A parameter of the request cannot be used; the error field says which. See the API "
            "description at /api/docs.",
        },
    ),
    "api_unavailable": (
        503,
        {
            "sv": "Databasen går inte att nå just nu. Försök igen om en stund.",
            "en": "The database cannot be reached just now. Try again in a while.",
        },
    ),
}

_LONGEST_ECHO = 80


def shortened(value: object) -> str:
    """A visitor's input as echoed in a message: stripped of control characters, at most 80 characters."""
    text = " ".join("".join(c for c in str(value) if c.isprintable() or c.isspace()).split())
    return text if len(text) <= _LONGEST_ECHO else text[: _LONGEST_ECHO - 1] + "…"


class WebError(JamforError):
    """An error a visitor caused, with a code from ERRORS and the words to fill in.

    `str()` gives the English message; `message(lang)` the one for the page's language;
    `detail` keeps the library's own sentence, if any, for JSON bodies.
    """

    def __init__(self, code: str, *, detail: str | None = None, **words: object) -> None:
        if code not in ERRORS:
            raise KeyError(code)
        self.code = code
        self.status_code = ERRORS[code][0]
        self.words = {k: shortened(v) for k, v in words.items()}
        self.detail = detail
        super().__init__(self.message("en"))

    def message(self, lang: Lang) -> str:
        return ERRORS[self.code][1][lang].format_map(_Words(self.words))


class _Words(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a message never fails for a missing word
        return ""


def web_error(exc: JamforError) -> WebError:
    """Any user error as a WebError: ours as it is, the library's by its kind (its words are kept as
    `detail` for JSON, never shown as a page's message)."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, NotFoundError):
        return WebError("not_found", detail=str(exc))
    return WebError("bad_request", detail=str(exc))


def error_body(error: WebError, lang: Lang) -> dict[str, str]:
    """The JSON body of an error: `error` (English, as ever), `code`, and `message` in `lang`."""
    return {
        "error": error.detail or str(error),
        "code": error.code,
        "message": error.message(lang),
        "lang": lang,
    }


def api_error_body(status: int, english: str, lang_param: str | None) -> dict[str, str]:
    """An /api/v1 error body: the library's sentence as `error`, with `code` and a `message` in the
    language of the request's `lang` parameter."""
    from jamfor.web.i18n import check_ui_lang  # (i18n imports this module)

    code = {404: "api_not_found", 503: "api_unavailable"}.get(status, "api_bad_request")
    return error_body(WebError(code, detail=english), check_ui_lang(lang_param))


# -- checks: the library's rules, the web's words ------------------------------------------------


def web_gender(value: str) -> str:
    from jamfor.model import GENDERS

    if value not in GENDERS:
        raise WebError("bad_gender", value=value)
    return value


def web_colour(value: str) -> ColourScheme:
    from jamfor.reports.options import COLOUR_SCHEMES

    if value not in COLOUR_SCHEMES:
        raise WebError("bad_colour", value=value)
    return value


def web_years(text: str | None) -> list[int] | None:
    """`parse_years` for the `years` parameter, its error worded for the web."""
    from jamfor.reports.options import parse_years

    try:
        return parse_years(text, option="years")
    except JamforError as exc:
        raise WebError("bad_years", value=text or "", detail=str(exc)) from None


def web_measures(find: Callable[[str | None, str | None], T], set_name: str | None, kpi: str | None) -> T:
    """`find(set_name, kpi)` (the pages' `measures_from`), its errors worded for the web."""
    from jamfor.measuresets import bundled_measure_sets
    from jamfor.reports.options import MAX_KPIS

    if set_name and kpi:
        raise WebError("set_and_kpi")
    if kpi:
        count = len({k.strip().upper() for k in kpi.split(",") if k.strip()})
        if count > MAX_KPIS:
            raise WebError("too_many_kpis", value=count, most=MAX_KPIS)
    try:
        return find(set_name, kpi)
    except NotFoundError as exc:
        allowed = ", ".join(sorted(bundled_measure_sets()))
        raise WebError(
            "unknown_measure_set", value=set_name or "", allowed=allowed, detail=str(exc)
        ) from None


def web_kpis(store: Store, kpis: Sequence[str] | None) -> None:
    """A WebError naming the ids in `kpis` that the store does not know."""
    if not kpis:
        return
    known = {k.id for k in store.kpis(list(kpis))}
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise WebError("unknown_kpi", value=", ".join(unknown))


def web_reference(store: Store, reference: str) -> str:
    """The `reference` parameter checked: mean, riket, or group:<id or name> of a group that exists."""
    text = reference.strip()
    key = text.casefold()
    if key in ("mean", "riket"):
        return reference
    if key.startswith("group:"):
        name = text[len("group:") :].strip()
        with lookup("unknown_reference_group", name, "ambiguous_group"):
            store.resolve_group(name)
        return reference
    raise WebError("bad_reference", value=reference)


def web_areas(store: Store, names: Sequence[str], most: int) -> list[Area]:
    """The compare page's areas, each found once, at most `most` of them."""
    if len(names) > most:
        raise WebError("too_many_areas", value=len(names), most=most)
    found: list[Area] = []
    for name in names:
        with lookup("unknown_municipality", name, "ambiguous_municipality"):
            area = store.resolve_area(name)
        if any(a.id == area.id for a in found):
            raise WebError("area_twice", value=f"{area.title} ({area.id})")
        found.append(area)
    return found


def lookup(code: str, value: str, ambiguous: str | None = None, *, suffix: str | None = None) -> _Lookup:
    """`with lookup("unknown_kpi", kpi_id): store.kpi(kpi_id)` turns the library's NotFoundError
    (and AmbiguousNameError, when `ambiguous` names a code) into a WebError about `value`. With
    `suffix` (a file suffix we do not offer, e.g. ".txt" of "1081.txt"), not finding the thing is
    a bad format instead."""
    return _Lookup(code, value, ambiguous, suffix)


def nothing_found(value: str) -> _Lookup:
    """`with nothing_found("Ronneby"): municipality_report(…)`: after the checks above, what a report
    builder still refuses is that there are no values to show: a 404 "no_data" about `value`."""
    return _Lookup("no_data", value, None, None, every_error=True)


class _Lookup:
    def __init__(
        self, code: str, value: str, ambiguous: str | None, suffix: str | None, *, every_error: bool = False
    ) -> None:
        self.code, self.value, self.ambiguous, self.suffix = code, value, ambiguous, suffix
        self.every_error = every_error

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, WebError) or not isinstance(exc, JamforError):
            return
        if isinstance(exc, AmbiguousNameError) and self.ambiguous:
            raise WebError(self.ambiguous, value=self.value, detail=str(exc)) from None
        if isinstance(exc, NotFoundError) or self.every_error:
            if self.suffix:
                raise WebError("bad_format", value=self.suffix, detail=str(exc)) from None
            raise WebError(self.code, value=self.value, detail=str(exc)) from None
