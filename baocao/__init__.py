"""baocao: a Vietnamese assistant over government reports."""

__version__ = "0.1.0"
