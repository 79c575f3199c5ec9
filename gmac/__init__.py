"""gmac: declarative infrastructure for a small software business."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gmac")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
