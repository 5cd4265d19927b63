"""Data package: shipped in the wheel as toolkit.resources.templates (see toolkit/core/resources.py)."""
