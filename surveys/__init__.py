"""Data package: shipped in the wheel as toolkit.resources.surveys (see toolkit/core/resources.py)."""
