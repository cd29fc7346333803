"""Text with a NUL character: PostgreSQL cannot hold it, so the store refuses it with a sentence
(the website answers 400), on both backends the same way for a search."""

from __future__ import annotations

import pytest

from jamfor.errors import JamforError
from jamfor.store import Store


def test_nul_in_a_search_is_refused_or_harmless(store: Store) -> None:
    if store.dialect == "postgres":
        with pytest.raises(JamforError, match="NUL"):
            store.search_areas("Ron\x00neby")
        with pytest.raises(JamforError, match="NUL"):
            store.db.execute("UPDATE area SET title = ? WHERE id = '0000'", ["x\x00y"])
    else:
        assert store.search_areas("Ron\x00neby") == []
    assert store.area("0000").title == "Riket"  # nothing changed
