"""Data package: shipped in the wheel as toolkit.resources.registers (see toolkit/core/resources.py)."""
