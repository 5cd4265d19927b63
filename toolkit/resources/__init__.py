"""Data files shipped in the wheel: `registers`, `templates` and `surveys` map the repository's
top-level folders of those names (pyproject: package-dir), so the folders stay the one source.
Read them through `toolkit.core.resources`, never by path arithmetic."""
