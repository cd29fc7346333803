"""The similar-municipalities page: `/liknande/1440` (Ale) and the same list as `.json` / `.csv`.

The page computes the list on every request (about 0.1 s on the full dump) and never writes: a
list saved with `jamfor similar … --save` is offered for comparison on the municipality page,
and RKA's own group for the same area always is.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from jamfor.compute.similar import DEFAULT_N
from jamfor.errors import JamforError, NotFoundError
from jamfor.render import text
from jamfor.render.text import Lang
from jamfor.reports.similar import (
    DEFAULT_PROFILE,
    GROUP_KIND,
    SOURCE_NOTE,
    SimilarReport,
    bundled_profiles,
    similar_report,
)
from jamfor.store import Store
from jamfor.web.access import StoreAccess, store_access
from jamfor.web.downloads import file_stem, split_download
from jamfor.web.i18n import check_ui_lang
from jamfor.web.pages import _redirect_to_id, data_version, page, periods_of

router = APIRouter(include_in_schema=False)

FORMATS: Final = {"json": "application/json", "csv": "text/csv; charset=utf-8"}

# The page's own words; the site chrome comes from web/i18n.py.
WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "title": "Liknande kommuner: {name}",
        "intro": (
            "De {n} kommuner som strukturellt liknar {name} mest enligt profilen {profile}, "
            "mätt som ett viktat avstånd mellan standardiserade värden (z-värden). "
            "Ju mindre avstånd, desto mer lika. Varje måtts bidrag visar vad som skiljer."
        ),
        "options": "Val för listan",
        "profile": "Profil",
        "year": "Data till och med år",
        "latest": "Senaste",
        "count": "Antal",
        "show": "Visa",
        "list_caption": "De {n} mest lika kommunerna ({profile}): avstånd och varje måtts bidrag till avståndet",
        "rank": "Plats",
        "municipality": "Kommun",
        "distance": "Avstånd",
        "list_region": "Listan över liknande kommuner",
        "measures_heading": "Måtten i profilen",
        "measures_caption": "Profilens mått, vikt, år och värde för {name}",
        "measure": "Mått",
        "weight": "Vikt",
        "data_year": "År",
        "focus_value": "Värde för {name}",
        "not_used": "används inte (uppgift saknas)",
        "compare_heading": "Jämför i rapporterna",
        "compare_saved": "Jämför {name} med de liknande kommunernas medelvärde",
        "compare_unsaved": (
            "Listan är inte sparad som grupp. Spara den med kommandot {command} för att kunna "
            "jämföra med den i alla rapporter."
        ),
        "compare_rka": "Jämför med RKA:s grupp {title}",
        "rka_note": "(RKA:s egen grupp, Källa: Kolada)",
        "no_rka": "Det finns ingen grupp från RKA för området {area} i databasen.",
        "skipped": "Utelämnade för att de saknar värden för för stor del av vikten: {names}.",
        "none_found": "Ingen kommun har tillräckligt många värden att jämföra med.",
        "method": "Så räknar vi: avståndet och bidragen",
        "method_text": (
            "Varje mått standardiseras över alla kommuner med värde (medelvärde 0, standardavvikelse 1). "
            "Avståndet är kvadratroten ur det viktade medelvärdet av de kvadrerade skillnaderna, över de mått "
            "båda kommunerna har värde för; vikterna räknas om över dessa. En kommun som saknar värden för "
            "mer än {missing} % av vikten utelämnas. Bidragen summerar till avståndet."
        ),
        "downloads": "Ladda ner",
        "download_note": "Samma lista som sidan, med avstånd och bidrag.",
    },
    "en": {
        "title": "Similar municipalities: {name}",
        "intro": (
            "The {n} municipalities structurally most like {name} under the profile {profile}, "
            "measured as a weighted distance between standardised values (z-scores). "
            "The smaller the distance, the more alike. Each measure's contribution shows what differs."
        ),
        "options": "List options",
        "profile": "Profile",
        "year": "Data up to year",
        "latest": "Latest",
        "count": "Number",
        "show": "Show",
        "list_caption": "The {n} most similar municipalities ({profile}): distance and each measure's contribution",
        "rank": "Place",
        "municipality": "Municipality",
        "distance": "Distance",
        "list_region": "The list of similar municipalities",
        "measures_heading": "The profile's measures",
        "measures_caption": "The profile's measures, weight, year and value for {name}",
        "measure": "Measure",
        "weight": "Weight",
        "data_year": "Year",
        "focus_value": "Value for {name}",
        "not_used": "not used (no data)",
        "compare_heading": "Compare in the reports",
        "compare_saved": "Compare {name} with the mean of the similar municipalities",
        "compare_unsaved": (
            "The list is not saved as a group. Save it with the command {command} to compare with it "
            "in every report."
        ),
        "compare_rka": "Compare with RKA's group {title}",
        "rka_note": "(RKA's own group, Källa: Kolada)",
        "no_rka": "The database holds no RKA group for the area {area}.",
        "skipped": "Left out because they lack values for too much of the weight: {names}.",
        "none_found": "No municipality has enough values to compare with.",
        "method": "How we compute the distance and the contributions",
        "method_text": (
            "Each measure is standardised over all municipalities with a value (mean 0, standard deviation 1). "
            "The distance is the square root of the weighted mean of the squared differences, over the measures "
            "both municipalities have; the weights are renormalised over those. A municipality lacking values "
            "for more than {missing} % of the weight is left out. The contributions add up to the distance."
        ),
        "downloads": "Download",
        "download_note": "The same list as the page, with distances and contributions.",
    },
}


def _saved_group(store: Store, report: SimilarReport) -> str | None:
    """The id of the saved group of exactly this list, if someone saved it."""
    try:
        group = store.group(report.group_id)
    except NotFoundError:
        return None
    if group.kind != GROUP_KIND or [a.id for a in group.members] != [r.area.id for r in report.rows]:
        return None
    return group.id


def _csv(report: SimilarReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(report.csv_rows())
    return buffer.getvalue()


def _download(report: SimilarReport, fmt: str) -> Response:
    stem = file_stem("jamfor-liknande", report.profile.id, report.focus.id, str(report.year))
    if fmt == "json":
        body = json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
        return Response(body, media_type=FORMATS["json"])
    name = f"{stem}.csv"
    headers = {"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"}
    return Response(_csv(report), media_type=FORMATS["csv"], headers=headers)


@router.get("/liknande/{ident}")
def similar_page(
    request: Request,
    ident: str,
    profil: str = Query(DEFAULT_PROFILE, max_length=40),
    year: int | None = Query(None, ge=1990, le=2100),
    n: int = Query(DEFAULT_N, ge=1, le=30),
    lang: str = "sv",
    access: StoreAccess = Depends(store_access),
) -> Response:
    language = check_ui_lang(lang)
    name, fmt = split_download(ident)
    if fmt is not None and fmt not in FORMATS:
        raise NotFoundError(f"the similar list comes as .json or .csv, not .{fmt}")
    profiles = bundled_profiles()
    if profil not in profiles:  # the site offers only the bundled profiles, never files
        raise JamforError(f"no similarity profile {profil!r}; choose one of {', '.join(sorted(profiles))}")
    loaded = profiles[profil]
    with access.using(data_version(request)) as store:
        area = store.resolve_area(name)
        if area.id != name:
            return _redirect_to_id(request, "/liknande", area.id, ident[len(name) :])
        report = similar_report(store, area.id, loaded, year=year, n=n, lang=language)
        if fmt is not None:
            return _download(report, fmt)
        saved = _saved_group(store, report)
        years = periods_of(request, access, store, loaded.profile.kpi_ids)[::-1]
    words = WORDS[language]
    query = request.url.query
    downloads = [
        (suffix.upper(), f"/liknande/{area.id}.{suffix}" + (f"?{query}" if query else ""))
        for suffix in FORMATS
    ]
    lang_suffix = "?lang=en" if language == "en" else ""
    lang_param = "&lang=en" if language == "en" else ""
    context: dict[str, Any] = {
        "title": words["title"].format(name=area.title),
        "w": words,
        "area": area,
        "report": report,
        "profile_title": report.profile.title_en if language == "en" else report.profile.title_sv,
        "profiles": [
            (pid, p.profile.title_en if language == "en" else p.profile.title_sv)
            for pid, p in profiles.items()
        ],
        "years": [("", words["latest"]), *((str(y), str(y)) for y in years)],
        "chosen_year": "" if year is None else str(year),
        "counts": [(str(k), str(k)) for k in (3, 5, 7, 10, 15, 20)],
        "chosen_count": str(n),
        "rows": [
            {
                "rank": r.rank,
                "area": r.area,
                "distance": text.number(r.distance, 3, language),
                "contributions": ["–" if c is None else text.number(c, 3, language) for c in r.contributions],
            }
            for r in report.rows
        ],
        "measures": [
            {
                "label": m.label,
                "weight": text.number(m.weight, 1, language),
                "year": m.year or "–",
                "value": text.number(m.focus_value, 2, language) if m.used else words["not_used"],
            }
            for m in report.measures
        ],
        "saved_href": f"/kommun/{area.id}?reference={quote('group:' + saved, safe='')}{lang_param}"
        if saved
        else None,
        "save_command": f"jamfor similar {area.id} --profile {report.profile.id} --save"
        + (f" --year {year}" if year is not None else "")
        + (f" -n {n}" if n != DEFAULT_N else ""),
        "rka": report.rka_group,
        "rka_href": f"/kommun/{area.id}?reference={quote('group:' + report.rka_group.id, safe='')}{lang_param}"
        if report.rka_group
        else None,
        "skipped": ", ".join(a.title for a in report.skipped),
        "missing_share": text.number(100 * (1 - report.profile.min_coverage), 0, language),
        "source_note": SOURCE_NOTE[language],
        "downloads": downloads,
        "municipality_href": f"/kommun/{area.id}{lang_suffix}",
    }
    return page(request, "similar.html.j2", language, context)
