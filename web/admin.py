"""Loading a bundle from the browser: upload a .zip or .xlsx, replace (or merge into) the graph.

The same loader as ``beltgraph load``: the whole bundle is checked first and every
``file:line`` problem listed; on any problem nothing changes. Until user roles exist the
page is offered only to a browser on the server's own machine: a request from another
address is refused (403) and the menu does not show the entry.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tempfile
from pathlib import Path

from flask import Blueprint, jsonify, render_template, request

from graph import usecases
from graph.config import yes_or_no
from graph.errors import BadRequest, BeltGraphError, BundleError

from . import i18n
from .views import View, get_config, get_store, menu, page

bp = Blueprint("admin", __name__)
menu(95, "admin.load", "nav.load")

SUFFIXES = (".zip", ".xlsx")

i18n.add({
    "nav.load": ("导入数据", "Load data"),
    "load.title": ("导入数据", "Load data"),
    "load.lede": ("上传一个数据包（.zip 或 .xlsx，最大 {mb} MB）。先检查整个数据包，有任何问题都不会改动现有数据。",
                  ("Upload a bundle (.zip or .xlsx, at most {mb} MB). The whole bundle is checked first; "
                  "if anything is wrong, nothing changes.")),
    "load.file": ("数据包", "Bundle"),
    "load.merge": ("合并到现有图谱（按 id 更新或新增），而不是替换", "Merge into the graph (upsert by id) instead of replacing it"),
    "load.submit": ("上传并导入", "Upload and load"),
    "load.uploading": ("正在上传并检查，较大的数据包需要一些时间…", "Uploading and checking; a big bundle takes a while…"),
    "load.too_big": ("文件超过 {mb} MB 上限。", "The file is larger than the {mb} MB limit."),
    "load.current": ("当前数据", "Loaded now"),
    "load.empty": ("还没有数据。", "Nothing is loaded yet."),
    "load.done": ("已导入 {source}（{mode}），用时 {seconds} 秒。", "Loaded {source} ({mode}) in {seconds} s."),
    "load.mode.replace": ("替换", "replaced"), "load.mode.merge": ("合并", "merged"),
    "load.nodes": ("节点", "Nodes"), "load.rels": ("关系", "Relationships"), "load.facts": ("事实表", "Facts"),
    "load.col.label": ("类型", "Label"), "load.col.type": ("关系", "Type"), "load.col.count": ("数量", "Count"),
    "load.col.table": ("表", "Table"), "load.col.file": ("文件", "File"), "load.col.line": ("行", "Line"),
    "load.col.problem": ("问题", "Problem"),
    "load.extra": ("未知列已作为文本属性保留", "Unknown columns kept as text properties"),
    "load.warnings": ("提示", "Warnings"),
    "load.failed": ("发现 {n} 个问题，没有导入任何数据，现有数据保持不变。",
                    "{n} problems found: nothing was loaded and the store is unchanged."),
    "load.more": ("……另有 {n} 个问题未列出（[load] max_errors）。", "… and {n} more not listed ([load] max_errors)."),
    "load.cli": ("也可以在服务器上运行：", "Or, on the server:"),
})


class NotLocal(BeltGraphError):
    """A load posted from another site."""

    status = 403


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


@bp.before_request
def same_site_only():
    """Loading data needs the admin role (web.auth); a page of another site open in the same
    browser must not post a bundle here either (CSRF tokens check that too)."""
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise NotLocal(f"an upload from another site ({origin}) is refused: use this server's own page")


def _context(**more) -> dict:
    return {"upload_max_mb": get_config().get("web", "upload_max_mb"), "stats": usecases.stats(get_store()),
            "summary": None, "problems": None, **more}


@page(bp, "/admin/load", "admin/load.html", api_rule="/load", endpoint="load")
def load_page() -> View:
    """The upload form with what is loaded now; its JSON twin gives the limit and the counts."""
    ctx = _context()
    return View({"upload_max_mb": ctx.pop("upload_max_mb"), **ctx["stats"]}, ctx)


def _upload_name(filename: str | None) -> str:
    """The upload's own name without folders (messages name it), its suffix checked."""
    name = re.sub(r"[\x00-\x1f]", "", Path((filename or "").replace("\\", "/")).name)[-120:]
    if not name:
        raise BadRequest("choose a .zip or .xlsx bundle to upload (form field 'bundle')")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise BadRequest(f"{name}: a bundle upload is a .zip of the bundle folder or an .xlsx workbook")
    return name


def _merge(value: str | None) -> bool:
    """The ``merge`` field: absent or blank replaces; anything but a yes or a no is refused, since a
    misspelt ``merge`` would otherwise replace the whole graph.

    >>> [_merge(v) for v in (None, "", "1", "on", "True", "no", "0")]
    [False, False, True, True, True, False, False]
    """
    if not (value or "").strip():
        return False
    merge = yes_or_no(value)
    if merge is None:
        raise BadRequest(f"merge must be true or false, not {value!r}")
    return merge


def _load():
    """Save the upload in a temporary folder under its own name, load it, delete it."""
    upload = request.files.get("bundle")
    name = _upload_name(upload.filename if upload else None)
    merge = _merge(request.form.get("merge"))
    from loaders import load_bundle

    with tempfile.TemporaryDirectory(prefix="beltgraph-upload-") as folder:
        path = Path(folder) / name
        upload.save(path)
        summary = load_bundle(get_store(), path, merge=merge, max_errors=get_config().get("load", "max_errors"))
    return dataclasses.replace(summary, source=name)


@bp.post("/admin/load")
def load_upload():
    try:
        summary = _load()
    except BundleError as e:
        return render_template("admin/load.html", **_context(problems=e)), 400
    return render_template("admin/load.html", **_context(summary=summary.to_dict()))


@bp.post("/api/load")
def api_upload():
    """``LoadSummary.to_dict()``, or ``{"ok": false, "problems": [...], "total": N, "status": 400}``."""
    try:
        summary = _load()
    except BundleError as e:
        noun = "problem" if e.total == 1 else "problems"
        return jsonify({"ok": False, "error": f"{e.total} {noun} found; nothing was loaded and the store is unchanged",
                        "problems": [p.to_dict() for p in e.problems], "total": e.total, "status": 400}), 400
    return jsonify(summary.to_dict())
