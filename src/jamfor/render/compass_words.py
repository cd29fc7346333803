"""The Kommunkompassen report's words in Swedish and English (render/compass.py and compass_xlsx.py).

Every key exists in both languages (tests/compass/test_report_render.py checks it).
"""

from __future__ import annotations

from typing import Final

from jamfor.render import text
from jamfor.render.text import Lang

__all__ = ["MONTHS", "WORDS", "word"]

WORDS: Final[dict[Lang, dict[str, str]]] = {
    "sv": {
        "title": "Kommunkompassen: {name} {year}",
        "subtitle": "Analys av {name} kommun {year}",
        "contents": "Innehåll",
        "what": "Vad är Kommunkompassen?",
        "what_text": (
            "Kommunkompassen är ett verktyg för att utvärdera och analysera hur en kommun leds och "
            "arbetar – inte verksamhetens resultat utan sättet att leda den och samspelet i "
            "organisationen. Verktyget togs fram i mitten av 1990-talet av Oslo universitet med Åbo "
            "Akademi och Kommunenes Sentralforbund i Norge, och Sveriges Kommuner och Regioner (SKR, "
            "tidigare SKL) har använt det sedan 2002. Det reviderades 2010, 2016 och 2020."
        ),
        "what_sources": (
            "Utvärderarna läser kommunens dokument och webbplats och intervjuar politiker, chefer, "
            "medarbetare och fackliga företrädare. Resultatet är en poängbedömning och en kvalitativ "
            "beskrivning av styrkor och förbättringsområden inom åtta huvudområden om 100 poäng "
            "vardera, totalt 800 poäng."
        ),
        "areas_are": "De åtta huvudområdena i den här versionen är:",
        "overview": "{name} i förhållande till Kommunkompassen: sammanfattande genomgång",
        "the_evaluation": "Utvärderingen",
        "evaluators": "Utvärderare",
        "date": "Datum",
        "year": "År",
        "version": "Version",
        "interviews": "Intervjuer",
        "interviews_n": "{n} intervjuade",
        "method": "Metod",
        "evaluated_in": "Utvärderingen av {name} genomfördes {when} enligt {framework}.",
        "results": "Sammanfattning av resultat",
        "total": "Totalpoäng",
        "total_of": "{points} av {max} poäng",
        "area": "Område",
        "points": "Poäng",
        "max": "Max",
        "percent": "Procent",
        "reference_mean": "Referensmedel",
        "earlier": "Utvärderingen {year}",
        "change": "Förändring",
        "summary_caption": "Poäng per område",
        "profile": "Profil jämfört med referensen",
        "profile_title": "{name} {year} jämfört med referensmedlet",
        "profile_table": "Profilens värden i tabellform",
        "reference_framework": "Referensen är medelvärdet av {count} enligt {framework}{own}.",
        "reference_list": "Referensen är medelvärdet av {count} som valts: {names}.",
        "reference_own": " ({name} {year} inräknad)",
        "reference_only_self": (
            "Referensen består bara av den här utvärderingen, så profilen och referensen sammanfaller."
        ),
        "reference_few": "Observera att ett litet antal utvärderingar ger ett osäkert medelvärde.",
        "reference_counts": "Medlet för område {areas} bygger på färre utvärderingar ({counts}), eftersom några bara har publicerat totalpoäng.",
        "reference_counts_all": "Medlet per område bygger på {n} av dem; övriga har bara publicerat totalpoäng.",
        "evaluation_1": "1 utvärdering",
        "evaluation_n": "{n} utvärderingar",
        "mean_label": "Medel, {count}",
        "comparison": "Jämförelse med tidigare utvärdering",
        "comparison_ok": (
            "{name} utvärderades senast {year} enligt {framework}, som går att jämföra med den här "
            "versionen. Tabellen ovan visar förändringen per område; totalpoängen har ändrats med {change} poäng."
        ),
        "comparison_ok_no_total": (
            "{name} utvärderades senast {year} enligt {framework}, som går att jämföra med den här "
            "versionen. Tabellen ovan visar förändringen per område."
        ),
        "all_evaluated": "Alla utvärderade kommuner",
        "all_caption": "Totalpoäng och poäng per område, {framework}",
        "results_text": "Nedan visas {name}s totalpoäng, {total} av {max}, samt poängfördelningen per område.",
        "radar_caption": "{name} {year} (heldragen linje, fyllda cirklar) och referensmedlet (streckad linje, öppna romber), poäng per område på skalan 0–{max}. Samma uppgifter finns i tabellen.",
        "municipality": "Kommun",
        "details": "Detaljerad genomgång av Kommunkompassens åtta områden",
        "area_heading": "Område {number} {name}",
        "area_score": "{points} av {max} poäng ({percent}). Referensmedel: {reference}.",
        "area_earlier": " {year}: {points} poäng ({change}).",
        "role": "Roll",
        "general": "Allmänt",
        "strengths": "Styrkor",
        "improvements": "Förbättringsområden",
        "none_noted": "Inga noterade.",
        "no_texts": (
            "Utvärderingen har inga styrkor, förbättringsområden eller texter per område i jamfor, "
            "bara poängen (så är det för publicerade resultat där bara poängen är kända)."
        ),
        "appendix": "Översikt av poängfördelning",
        "appendix_intro": "Tabellerna visar {name}s resultat fördelat på delfrågor inom respektive område.",
        "appendix_area_level": (
            "Den här utvärderingen är poängsatt per område ({framework}), inte per delfråga, så det "
            "finns ingen tabell per delfråga."
        ),
        "question": "Fråga",
        "question_text": "Delfråga",
        "achieved": "Uppnått",
        "sum": "Summa",
        "source": "Källa",
        "source_own": "Utvärdering enligt Kommunkompassen, registrerad i jamfor",
        "source_note": (
            "Poängen är utvärderarnas bedömning, inte Koladas uppgifter. Poäng och procent lagras "
            "oavrundade och avrundas bara när de visas (från noll vid jämna halvor); därför kan "
            "avrundade delpoäng summera till en annan siffra än den avrundade summan."
        ),
        "generated": "Skapad",
        "missing": text.label("missing", "sv"),
        "sheet_summary": "Sammanfattning",
        "sheet_areas": "Områden",
        "sheet_questions": "Frågor",
        "sheet_municipalities": "Alla kommuner",
        "evaluation_id": "Utvärdering (id)",
        "municipality_id": "Kommunkod",
    },
    "en": {
        "title": "Kommunkompassen: {name} {year}",
        "subtitle": "Analysis of {name} municipality {year}",
        "contents": "Contents",
        "what": "What is Kommunkompassen?",
        "what_text": (
            "Kommunkompassen (the Municipal Compass) evaluates and analyses how a municipality is "
            "led and works – not the results of its services but the way they are led and how the "
            "organisation works together. It was developed in the mid-1990s by the University of Oslo "
            "with Åbo Akademi and the Norwegian association of local authorities; the Swedish "
            "Association of Local Authorities and Regions (SKR, formerly SKL) has used it since 2002. "
            "It was revised in 2010, 2016 and 2020."
        ),
        "what_sources": (
            "The evaluators read the municipality's documents and website and interview politicians, "
            "managers, staff and union representatives. The result is a score and a qualitative "
            "description of strengths and areas for improvement in eight main areas of 100 points "
            "each, 800 points in all."
        ),
        "areas_are": "The eight main areas of this version are:",
        "overview": "{name} and Kommunkompassen: summary",
        "the_evaluation": "The evaluation",
        "evaluators": "Evaluators",
        "date": "Date",
        "year": "Year",
        "version": "Version",
        "interviews": "Interviews",
        "interviews_n": "{n} people interviewed",
        "method": "Method",
        "evaluated_in": "{name} was evaluated {when} with {framework}.",
        "results": "Summary of results",
        "total": "Total",
        "total_of": "{points} of {max} points",
        "area": "Area",
        "points": "Points",
        "max": "Max",
        "percent": "Percent",
        "reference_mean": "Reference mean",
        "earlier": "Evaluation {year}",
        "change": "Change",
        "summary_caption": "Points per area",
        "profile": "Profile against the reference",
        "profile_title": "{name} {year} against the reference mean",
        "profile_table": "The profile's values as a table",
        "reference_framework": "The reference is the mean of {count} with {framework}{own}.",
        "reference_list": "The reference is the mean of {count} chosen: {names}.",
        "reference_own": " ({name} {year} included)",
        "reference_only_self": "The reference is this evaluation alone, so the profile and the reference coincide.",
        "reference_few": "Note that a small number of evaluations makes an uncertain mean.",
        "reference_counts": "The mean of area {areas} is over fewer evaluations ({counts}): some published only a total.",
        "reference_counts_all": "The mean per area is over {n} of them; the others published only a total.",
        "evaluation_1": "1 evaluation",
        "evaluation_n": "{n} evaluations",
        "mean_label": "Mean, {count}",
        "comparison": "Comparison with an earlier evaluation",
        "comparison_ok": (
            "{name} was last evaluated in {year} with {framework}, which can be compared with this "
            "version. The table above shows the change per area; the total changed by {change} points."
        ),
        "comparison_ok_no_total": (
            "{name} was last evaluated in {year} with {framework}, which can be compared with this "
            "version. The table above shows the change per area."
        ),
        "all_evaluated": "All evaluated municipalities",
        "all_caption": "Total and points per area, {framework}",
        "results_text": "Below are {name}'s total, {total} of {max}, and the points per area.",
        "radar_caption": "{name} {year} (solid line, filled circles) and the reference mean (dashed line, open diamonds), points per area on a scale of 0–{max}. The table holds the same figures.",
        "municipality": "Municipality",
        "details": "The eight areas in detail",
        "area_heading": "Area {number} {name}",
        "area_score": "{points} of {max} points ({percent}). Reference mean: {reference}.",
        "area_earlier": " {year}: {points} points ({change}).",
        "role": "Role",
        "general": "General",
        "strengths": "Strengths (Styrkor)",
        "improvements": "Areas for improvement (Förbättringsområden)",
        "none_noted": "None noted.",
        "no_texts": (
            "The evaluation has no strengths, areas for improvement or texts per area in jamfor, only "
            "the points (as for published results of which only the points are known)."
        ),
        "appendix": "Points per sub-question",
        "appendix_intro": "The tables show {name}'s result per sub-question of each area.",
        "appendix_area_level": (
            "This evaluation is scored per area ({framework}), not per sub-question, so there is no "
            "table per sub-question."
        ),
        "question": "Question",
        "question_text": "Sub-question",
        "achieved": "Achieved",
        "sum": "Total",
        "source": "Source",
        "source_own": "Evaluation with Kommunkompassen, recorded in jamfor",
        "source_note": (
            "The points are the evaluators' assessment, not Kolada's data. Points and percentages are "
            "stored unrounded and rounded (half away from zero) only when shown, so rounded parts can "
            "add up to another figure than the rounded sum."
        ),
        "generated": "Generated",
        "missing": text.label("missing", "en"),
        "sheet_summary": "Summary",
        "sheet_areas": "Areas",
        "sheet_questions": "Questions",
        "sheet_municipalities": "All municipalities",
        "evaluation_id": "Evaluation (id)",
        "municipality_id": "Code",
    },
}

MONTHS: Final[dict[Lang, tuple[str, ...]]] = {
    "sv": tuple(
        [
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ]
    ),
    "en": tuple(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    ),
}


def word(key: str, lang: Lang) -> str:
    return WORDS[lang][key]
