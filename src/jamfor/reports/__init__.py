"""Report definitions: inputs → rows of data (no formatting; see jamfor.render)."""
