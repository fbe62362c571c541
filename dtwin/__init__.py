"""dtwin: a Jupyter-centric digital-twin workbench for factories."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dtwin")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
