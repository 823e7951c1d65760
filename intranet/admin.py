"""Registers every model on the intranet site (``intranet.sites.site``)."""

from .sites import site

__all__ = ["site"]
