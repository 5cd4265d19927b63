"""toolkit – reproducible tables for evaluators of Danish labour-market programmes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("toolkit")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
