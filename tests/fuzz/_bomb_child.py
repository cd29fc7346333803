"""Run one loader on one file in a child process and print how it ended (used by test_fuzz_bombs).

Usage: python -m tests.fuzz._bomb_child LOADER PATH[,PATH…] [STORE]. Prints, per file, `name: ok`,
`name: ours <Type>: <message>` or `name: other <Type>: <message>`; the parent kills it on a timeout and limits its memory.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from jamfor.errors import JamforError


def run(loader: str, path: Path, store_path: str | None) -> None:
    if loader == "measure-set":
        from jamfor.measuresets import load_measure_set

        load_measure_set(path)
    elif loader == "ranking":
        from jamfor.rankings import find_definition

        find_definition(str(path))
    elif loader == "compass":
        from jamfor.compass.files import read_evaluation

        read_evaluation(path)
    elif loader == "survey-definition":
        from jamfor.sources.survey_definitions import load_definition

        load_definition(path)
    elif loader == "similar-profile":
        from jamfor.reports.similar import find_profile

        find_profile(path)
    else:
        from jamfor.store import Store

        assert store_path is not None
        with Store.open(store_path) as store:
            if loader == "import":
                from jamfor.sources.files import import_file

                import_file(store, path)
            elif loader == "survey":
                from jamfor.sources.survey import import_survey_file
                from jamfor.sources.survey_definitions import bundled_surveys

                import_survey_file(store, path, bundled_surveys()["scb-medborgarundersokning"])
            else:
                raise SystemExit(f"unknown loader {loader}")


def main() -> None:
    loader, paths = sys.argv[1], sys.argv[2].split(",")
    store_path = sys.argv[3] if len(sys.argv) > 3 else None
    for path in paths:
        print(f"{Path(path).name}: ", end="", flush=True)
        one(loader, Path(path), store_path)


def one(loader: str, path: Path, store_path: str | None) -> None:
    try:
        run(loader, path, store_path)
    except JamforError as exc:
        print(f"ours {type(exc).__name__}: " + str(exc)[:500].replace("\n", " | "), flush=True)
    except BaseException as exc:  # the parent reports whatever else came out
        traceback.print_exc(limit=-4)
        print(f"other {type(exc).__name__}: " + str(exc)[:300].replace("\n", " | "), flush=True)
    else:
        print("ok", flush=True)


if __name__ == "__main__":
    main()
