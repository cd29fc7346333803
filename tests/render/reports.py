"""Report objects built by hand for the renderer tests, from the seeds and real Kolada figures.

- Ronneby, KKiK 2015–2017 (seed 002): values, trends and "Medel" as published. Ranks and
  colours are illustrative (the seed does not print them); the cost row (Effektivitet) is
  invented to show an uncoloured cost measure.
- Kungsbacka, Bitt 2012–2014 (seed 000): values, Riket 2014 and comments as published; trend and
  reference colour computed by jamfor.compute, ranks where Kungsbacka names its place.
- Nornorna 2016 (seed 004's network of seven Jämtland municipalities): real Kolada values of
  2016 from the bundled demo extract; ranks, colours and references computed from all 290
  municipalities (script kept in the module's history, figures pasted here).
- A KPI report for U21401 (vårdare i hemtjänsten) 2016 built from the bundled demo extract with
  jamfor.compute, so the layout is tested with 290 real rows and real missing values.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime
from importlib import resources

from jamfor.compute import (
    best_and_worst,
    competition_rank,
    median,
    municipality_values,
    quartile_colour,
    reference_colour,
    trend,
    unweighted_mean,
)
from jamfor.model import Polarity
from jamfor.reports.model import (
    Colour,
    Distribution,
    Extreme,
    KpiRankRow,
    KpiReport,
    MunicipalityReport,
    MunicipalityRow,
    Named,
    NetworkCell,
    NetworkReport,
    NetworkRow,
    Reference,
)

GENERATED = datetime(2026, 3, 5, 14, 2)
HOSTILE = '<script>alert("x")</script>'


def _row(
    kpi: str,
    title: str,
    perspective: str,
    polarity: Polarity | None,
    unit: str | None,
    decimals: int | None,
    years: list[int],
    values: list[float | None],
    *,
    mean: float | None = None,
    riket: float | None = None,
    reference: float | None = None,
    rank: int | None = None,
    ranked: int = 0,
    colour: Colour = "none",
    comment: str = "",
    colour_graded: bool = True,
    year_offset: int = 0,
    trend_override: str | None = None,
    best: Extreme | None = None,
    worst: Extreme | None = None,
) -> MunicipalityRow:
    by_year = dict(zip(years, values, strict=True))
    result = trend(by_year, polarity, decimals=decimals)
    return MunicipalityRow(
        kpi=kpi,
        title=title,
        perspective=perspective,
        polarity=polarity,
        unit=unit,
        decimals=decimals,
        colour_graded=colour_graded,
        year_offset=year_offset,
        values=by_year,
        data_years={y: y + year_offset for y in years},
        trend="none" if trend_override == "none" else result.trend,
        direction=None if trend_override == "none" else result.direction,
        mean=mean,
        mean_count=250 if mean is not None else 0,
        riket=riket,
        median=None,
        best=best,
        worst=worst,
        reference=reference,
        reference_count=None,
        rank=rank,
        ranked=ranked,
        colour=colour,
        comment=comment,
        source="Kolada",
    )


RONNEBY_YEARS = [2015, 2016, 2017]
KKIK_PERSPECTIVES = [
    "Tillgänglighet",
    "Trygghet",
    "Delaktighet och information",
    "Effektivitet",
    "Samhällsutveckling",
]


def ronneby(title_of_first: str | None = None) -> MunicipalityReport:
    """Ronneby's KKiK tables 2015–2017 (seed 002), quartile colours, the unweighted mean as reference."""
    y = RONNEBY_YEARS
    t, s, e = "Tillgänglighet", "Samhällsutveckling", "Trygghet"
    rows = [
        _row(
            "U00401",
            title_of_first or "Andel som får svar på en enkel fråga via e-post inom två arbetsdagar",
            t, "higher", "%", 0, y, [84, 85, 93],
            mean=86, reference=86, rank=61, ranked=258, colour="green",
        ),
        _row(
            "U00402", "Andel som får direkt svar på en enkel fråga via telefon", t, "higher", "%", 0, y,
            [48, 56, 41], mean=51, reference=51, rank=201, ranked=258, colour="red",
        ),
        _row(
            "U00403",
            "Andel som uppfattar att de får ett gott bemötande när de via telefon ställt en enkel fråga till kommunen",
            t, "higher", "%", 0, y, [98, 80, 81], mean=81, reference=81, rank=120, ranked=258,
            colour="yellow", comment="* ej jämförbar siffra med 2015", trend_override="none",
        ),
        _row(
            "U15461", "Hur trygga är eleverna i skolan?", e, "higher", "%", 0, y, [None, None, 88],
            mean=83, reference=83, rank=70, ranked=285, colour="green",
        ),
        _row(
            "U21401", "Antal olika vårdare som besöker en äldre person med hemtjänst under en 14-dagarsperiod",
            e, "lower", "antal", 0, y, [12, 11, 11], mean=15, reference=15, rank=35, ranked=240,
            colour="green",
        ),
        _row(
            "N11102", "Antal barn per personal i kommunens förskolor (planerad)", e, "lower", "antal", 1, y,
            [5.3, 5.3, 5.1], mean=5.2, riket=5.2, reference=5.2, rank=120, ranked=290, colour="yellow",
        ),
        _row(
            "N11008", "Kostnad förskola, kr/inskrivet barn", "Effektivitet", "lower", "kr", 0, y,
            [138512.4, 142907.0, 147210.6], mean=151066.3, riket=153498.2, reference=151066.3,
            rank=88, ranked=290, colour="none", colour_graded=False,
        ),
        _row(
            "U07451", "Företagarna sammanfattande omdöme om företagsklimatet i kommunen", s, "higher",
            "index", 0, y, [64, 70, 75], mean=72, reference=72, rank=95, ranked=270, colour="yellow",
        ),
        _row(
            "N00938", "Sjukpenningtal bland kommunens invånare", s, "lower", "dagar", 1, y, [8.2, 9.6, 10.0],
            mean=12.1, riket=10.8, reference=12.1, rank=52, ranked=290, colour="green", year_offset=-1,
            best=Extreme((Named("0162", "Danderyd"),), 5.5), worst=Extreme((Named("2260", "Ånge"),), 19.2),
        ),
        _row(
            "U07413", "Kommunorganisationens andel miljöbilar av totala antalet bilar", s, "higher", "%", 0, y,
            [49, 48, 48], mean=34, reference=34, rank=40, ranked=280, colour="green",
        ),
        _row(
            "U07514", "Andel inköpta ekologiska livsmedel", s, "higher", "%", 0, y, [30, 28, 29], mean=28,
            reference=28, rank=128, ranked=285, colour="yellow",
        ),
    ]  # fmt: skip
    return MunicipalityReport(
        municipality=Named("1081", "Ronneby"),
        years=list(y),
        gender="T",
        colour_scheme="quartile",
        reference=Reference("mean", "Ovägt medel, alla kommuner"),
        measure_set=Named("kkik-2015-2017", "KKiK 2015–2017 (fem perspektiv)"),
        perspectives=KKIK_PERSPECTIVES,
        rows=rows,
        sources=["Källa: Kolada"],
        generated_at=GENERATED,
    )


# (title, unit, decimals, 2012, 2013, 2014, Riket 2014, place in the country, comment) from seed 000.
KUNGSBACKA = [
    ("Nöjd-Medborgar-Index, NMI. Index 0-100", "index 0-100", 0, 64, 63, 62, 55, None,
     "Bland de högsta värdena i 2014 års undersökning."),
    ("Nöjdhet med bemötandet vid kontakt med kommunen. 10-gradig skala", "10-gradig skala", 1, 6.6, 7, 6.6,
     6.6, None, "Utfallet är i nivå med övriga riket. Det innebär att över 80 procent upplever ett gott eller "
     "mycket gott bemötande. men trenden är vikande."),
    ("Nöjdhet med servicen vid kontakt med kommunen. 10-gradig skala", "10-gradig skala", 1, 6.6, 6.8, 6.5,
     6.5, None, "Utfallet är i nivå med övriga riket. Över 80 procent upplever ett gott eller mycket gott "
     "bemötande, men trenden är vikande."),
    ("Andel som uppfattar att de får ett gott bemötande vid telefonkontakt", "%", 0, 80, 89, 94, 86, 17,
     "Bland de högsta nivåerna i riket. Tre kommuner har 100 procent. Kungsbacka ligger på 17:e plats i riket."),
    ("Möjlighet till information om verksamheten genom personliga möten. 10-gradig skala", "10-gradig skala",
     1, 6.1, 6, 6.3, None, None, "Indexet bygger på att 31 procent svarar mycket bra, 48 procent bra och 21 "
     "procent ger oss underkänt. En liten förbättring med inspiration till förbättring."),
    ("Antal inlämnade synpunkter", "antal", 0, 629, 559, 897, None, None,
     "En positiv utveckling, men inom flera nämndområden behöver systematiken förbättras för att få in "
     "synpunkter och vidta åtgärder."),
    ("Andel invånare som skickar in en enkel fråga via e-post får svar inom två arbetsdagar.", "%", 0, 59, 69,
     98, 82, 2, "Betydligt bättre resultat än tidigare. De kommuner som har bättre resultat har alla 100 "
     "procent och vi ligger på delad andraplats"),
    ("Hur trygga känner sig invånarna i kommunen? Index 0-100", "index 0-100", 0, 65, 66, 67, 61, 14,
     "Kungsbacka har avancerat till en 14:e plats i riket."),
]  # fmt: skip


def kungsbacka() -> MunicipalityReport:
    """Kungsbacka's Bitt indicators 2012–2014 (seed 000), coloured against Riket 2014."""
    years = [2012, 2013, 2014]
    rows = []
    for i, (title, unit, dec, v12, v13, v14, rik, place, comment) in enumerate(KUNGSBACKA, start=1):
        colour = reference_colour(v14, rik, "higher", dec)
        rows.append(
            _row(
                f"OWN-KBA-{i:02d}", title, "Våra nyckeltal", "higher", unit, dec, years,
                [v12, v13, v14], riket=rik, reference=rik, rank=place, ranked=290 if place else 0,
                colour=colour, comment=comment,
            )
        )  # fmt: skip
    return MunicipalityReport(
        municipality=Named("1384", "Kungsbacka"),
        years=years,
        gender="T",
        colour_scheme="reference",
        reference=Reference("riket", "Riket"),
        measure_set=Named("kungsbacka-bitt", "Kungsbacka – värdegrunden Bitt"),
        perspectives=["Våra nyckeltal"],
        rows=rows,
        sources=["Källa: Kungsbacka kommun, årsredovisning 2014 (egna nyckeltal)"],
        generated_at=GENERATED,
    )


NORNORNA = [
    Named("2326", "Berg"),
    Named("2361", "Härjedalen"),
    Named("2309", "Krokom"),
    Named("2303", "Ragunda"),
    Named("2313", "Strömsund"),
    Named("2321", "Åre"),
    Named("2380", "Östersund"),
]

# Kolada 2016 values (T) of the Nornorna members, with rank and quartile colour among all
# municipalities: kpi → (title, perspective, polarity, unit, decimals, ranked, cells, mean, riket,
# best, worst, network mean, network count). Costs (N11008) are not colour-graded.
_C = tuple[float | None, int | None, Colour]
NORNORNA_ROWS: list[
    tuple[str, str, str, Polarity, str, int, int, dict[str, _C], float, float | None,
          tuple[str, str, float], tuple[str, str, float], float, int]
] = [
    ("U23401", "Väntetid särskilt boende", "Tillgänglighet", "lower", "dagar", 0, 229,
     {"2326": (70.0, 156, "yellow"), "2361": (72.0, 163, "yellow"), "2309": (None, None, "grey"),
      "2303": (None, None, "grey"), "2313": (32.0, 53, "green"), "2321": (27.0, 39, "green"),
      "2380": (52.5, 130, "yellow")},
     57.033187772925764, None, ("2506", "Arjeplog", 5.0), ("1961", "Hallstahammar", 178.0), 50.7, 5),
    ("U31402", "Väntetid försörjningsstöd", "Tillgänglighet", "lower", "dagar", 0, 182,
     {"2326": (9.0, 38, "green"), "2361": (9.0, 38, "green"), "2309": (27.0, 161, "red"),
      "2303": (None, None, "grey"), "2313": (16.0, 97, "yellow"), "2321": (23.0, 144, "red"),
      "2380": (6.0, 17, "green")},
     16.211483516483515, None, ("0642", "Mullsjö", 0.0), ("0583", "Motala", 54.75), 15.0, 6),
    ("U21401", "Antal olika vårdare hos en äldre med hemtjänst under 14 dagar", "Trygghet", "lower", "antal",
     0, 237,
     {"2326": (10.0, 10, "green"), "2361": (18.0, 184, "red"), "2309": (12.0, 40, "green"),
      "2303": (None, None, "grey"), "2313": (16.0, 137, "yellow"), "2321": (15.0, 109, "yellow"),
      "2380": (15.65, 137, "yellow")},
     14.914472573839662, None, ("2463", "Åsele", 4.0), ("0643", "Habo", 26.0), 14.441666666666668, 6),
    ("N11102", "Barn per personal i förskolan", "Trygghet", "lower", "antal", 1, 290,
     {"2326": (4.88135593, 52, "green"), "2361": (5.04166667, 76, "yellow"), "2309": (4.95906433, 76, "yellow"),
      "2303": (4.83018868, 36, "green"), "2313": (4.2173913, 4, "green"), "2321": (4.67256637, 22, "green"),
      "2380": (4.9792, 76, "yellow")},
     5.1860983259310345, 5.14868101, ("2505", "Arvidsjaur", 3.52325581), ("1275", "Perstorp", 7.0),
     4.797347611428571, 7),
    ("N11008", "Kostnad förskola, kr/inskrivet barn", "Effektivitet", "lower", "kr", 0, 290,
     {"2326": (179030.088496, 288, "none"), "2361": (148634.877384, 214, "none"),
      "2309": (149857.142857, 221, "none"), "2303": (129170.124481, 33, "none"),
      "2313": (163260.0, 276, "none"), "2321": (155104.390244, 251, "none"),
      "2380": (151429.64414, 232, "none")},
     142232.38879426898, 144290.897129, ("1762", "Munkfors", 104303.797468),
     ("0885", "Borgholm", 194601.351351), 153783.75251457142, 7),
    ("N00914", "Förvärvsarbetande invånare 20–64 år", "Samhällsutveckling", "higher", "%", 0, 290,
     {"2326": (81.476362, 94, "yellow"), "2361": (82.351855, 64, "green"), "2309": (85.008931, 18, "green"),
      "2303": (78.761699, 153, "yellow"), "2313": (79.3505, 153, "yellow"), "2321": (82.10193, 64, "green"),
      "2380": (81.350182, 94, "yellow")},
     79.4503139551724, 78.640097, ("0643", "Habo", 88.437041), ("1730", "Eda", 65.29651),
     81.4859227142857, 7),
    ("N00938", "Sjukpenningtal", "Samhällsutveckling", "lower", "dagar", 1, 290,
     {"2326": (14.70511604, 256, "red"), "2361": (9.79508789, 47, "green"), "2309": (13.95914256, 229, "red"),
      "2303": (13.55468917, 222, "red"), "2313": (11.88223655, 133, "yellow"), "2321": (10.3279626, 63, "green"),
      "2380": (13.03705994, 194, "yellow")},
     12.053142862, 10.84115114, ("0162", "Danderyd", 5.5122998), ("2260", "Ånge", 19.21023005),
     12.465899250000003, 7),
    ("U07414", "Återvunnet hushållsavfall", "Samhällsutveckling", "higher", "%", 0, 256,
     {"2326": (35.0, 166, "yellow"), "2361": (None, None, "grey"), "2309": (29.0, 217, "red"),
      "2303": (None, None, "grey"), "2313": (46.0, 57, "green"), "2321": (None, None, "grey"),
      "2380": (41.0, 103, "yellow")},
     39.214921875, None, ("1083", "Sölvesborg", 68.0), ("0767", "Markaryd", 13.86), 37.75, 4),
]  # fmt: skip


def nornorna() -> NetworkReport:
    """The Jämtland network "Nornorna" (seed 004), 2016, with real Kolada values."""
    rows = []
    for row in NORNORNA_ROWS:
        kpi, title, persp, pol, unit, dec, ranked, cells, mean, rik, best, worst, nmean, ncount = row
        rows.append(
            NetworkRow(
                kpi=kpi,
                title=title,
                perspective=persp,
                polarity=pol,
                unit=unit,
                decimals=dec,
                data_year=2016,
                members={m: NetworkCell(v, r, c) for m, (v, r, c) in cells.items()},
                ranked=ranked,
                best=Extreme((Named(best[0], best[1]),), best[2]),
                worst=Extreme((Named(worst[0], worst[1]),), worst[2]),
                mean=mean,
                riket=rik,
                network_mean=nmean,
                network_count=ncount,
            )
        )
    return NetworkReport(
        group=Named("nornorna", "Nornorna (Jämtlands län)"),
        members=list(NORNORNA),
        year=2016,
        gender="T",
        colour_scheme="quartile",
        measure_set=Named("kkik-2015-2017", "KKiK 2015–2017 (fem perspektiv)"),
        perspectives=KKIK_PERSPECTIVES,
        rows=rows,
        sources=["Källa: Kolada"],
        generated_at=GENERATED,
    )


def _read_csv(package: str, *parts: str) -> list[dict[str, str]]:
    resource = resources.files(package).joinpath("/".join(parts))
    raw = resource.read_bytes()
    if parts[-1].endswith(".gz"):
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def kpi_report(kpi: str = "U21401", year: int = 2016) -> KpiReport:
    """A KPI report for all 290 municipalities from the bundled demo extract (real Kolada values)."""
    municipalities = {
        r["municipality_code"]: (r["municipality_name_short"], r["county_name"])
        for r in _read_csv("jamfor.data", "kolada", "scb_municipality_county.csv")
    }
    groups = {
        r["municipality_id"]: f"{r['skr_group_code']} {r['skr_group']}"
        for r in _read_csv("jamfor.data", "kolada", "skr_kommungrupp_2023_from_kolada.csv")
    }
    raw: dict[str, float | None] = {}
    for r in _read_csv("jamfor.data", "demo", "kolada_kkik_2010-2022.csv.gz"):
        if r["kpi"] == kpi and r["period"] == str(year) and r["gender"] == "T":
            raw[r["municipality"]] = float(r["value"])
    polarity: Polarity = "lower"
    decimals = 0
    values = {m: raw.get(m) for m in municipalities}
    present = {m: v for m, v in municipality_values(values).items() if v is not None}
    ranks = competition_rank(present, polarity, decimals=decimals)
    names = {m: name for m, (name, _) in municipalities.items()}
    rows = sorted(
        (
            KpiRankRow(
                rank=rank.rank,
                area=Named(m, names[m]),
                value=present[m],
                colour=quartile_colour(rank.rank, rank.ranked),
                county=municipalities[m][1],
                kommungrupp=groups.get(m),
            )
            for m, rank in ranks.items()
        ),
        key=lambda r: (r.rank, r.area.name),
    )
    missing = sorted((Named(m, names[m]) for m in municipalities if m not in present), key=lambda a: a.name)
    ordered = sorted(present.values())
    low, high = ordered[0], ordered[-1]
    width = (high - low) / 10
    bins = []
    for i in range(10):
        start, end = low + i * width, low + (i + 1) * width
        count = sum(1 for v in ordered if start <= v < end or (i == 9 and v == end))
        bins.append((start, end, count))
    n = len(ordered)
    best_worst = best_and_worst(present, polarity, names)
    assert best_worst.best
    return KpiReport(
        kpi=kpi,
        title="Antal olika vårdare hos en äldre med hemtjänst under 14 dagar",
        description=(
            "Antal olika personal som en hemtjänsttagare med minst två besök dagligen möter under "
            "en 14-dagarsperiod, medianvärde."
        ),
        polarity=polarity,
        unit="antal",
        decimals=decimals,
        year=year,
        gender="T",
        colour_scheme="quartile",
        rows=rows,
        missing=missing,
        distribution=Distribution(
            count=n,
            missing=len(missing),
            minimum=low,
            q1=ordered[n // 4],
            median=median(present),
            q3=ordered[(3 * n) // 4],
            maximum=high,
            mean=unweighted_mean(present),
            riket=raw.get("0000"),
            bins=bins,
        ),
        sources=["Källa: Kolada"],
        generated_at=GENERATED,
    )
