"""Exports from the web: every graph's export button (``/export?format=...`` with the page's
selection) and the belt brief (``/belts/<id>/brief.pdf`` and ``.html``).

The selection is the page's: ``around`` + ``depth``, ``label`` / ``type`` filters, a
``query``, or the ``id`` list of a path, connect or explorer view (named by ``view``).
Every format is capped by ``[export] max_nodes_interactive``: the server draws no picture
that would hang it or a browser; the message suggests a filter.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response

from graph import usecases

from . import i18n, params
from .views import get_config, get_store

bp = Blueprint("exports", __name__)

#: Formats a browser may show in place; the rest download.
INLINE = ("svg", "png", "pdf")


def _lang() -> str:
    return i18n.lang()


def _send(result, inline: bool = False) -> Response:
    ascii_name = result.filename.encode("ascii", "replace").decode().replace("?", "_")
    how = "inline" if inline else "attachment"
    return Response(result.body, headers={
        "Content-Type": result.media_type,
        "Content-Disposition": f"{how}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(result.filename)}",
        "X-BeltGraph-Selection-Nodes": str(result.nodes),
        "X-BeltGraph-Data-Version": result.version or "",
    })


@bp.get("/export")
def export():
    """The page's selection as ?format=html|svg|pdf|png|graphml|gexf|json|cytoscape|csv (csv: a .zip)."""
    fmt = params.required("format")
    result = usecases.export(
        get_store(), get_config(), fmt, around=params.text("around"), depth=params.integer("depth", 1, 0, 6),
        labels=params.many("label"), types=params.many("type"), query=params.text("query"), ids=params.many("id"),
        view=params.text("view"), lang=_lang(), title=params.text("title"), interactive=True)
    return _send(result, inline=fmt in INLINE and params.flag("inline"))


@bp.get("/belts/<belt_id>/brief.<fmt>")
def brief(belt_id: str, fmt: str):
    """The belt brief: one printable A4 page, as PDF (download) or HTML (shown, print from the browser)."""
    result = usecases.brief_file(get_store(), get_config(), belt_id, fmt, _lang())
    return _send(result, inline=fmt == "html")
