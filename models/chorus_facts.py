"""Chorus Pro facts (flow, Chorus Pro id, status, history, rejection, transfer state) are written by this addon's
code only: a guard on the models refuses other writes, RPC included.

The addon's code paths write through :func:`as_addon`, which puts in the context an object that only Python code
can hold: a context sent over RPC (JSON) can never carry it.
"""

_ADDON = object()


def as_addon(records):
    """``records`` allowed to write Chorus Pro facts."""
    return records.with_context(l10n_fr_chorus_writer=_ADDON)


def by_addon(records):
    """Is this write made by the addon's own code?"""
    return records.env.context.get("l10n_fr_chorus_writer") is _ADDON
