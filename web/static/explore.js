// The graph explorer. The view (focus, expansions with type and N, hidden nodes, paths, pins,
// colour and size) lives in the URL: every change that adds or removes nodes asks
// /api/explore for the view the new URL describes, and the drawing is BGGraph.draw with
// positions computed here from the view alone (physics off), so a shared link opens the
// same picture. Names are data: set as text, never as HTML.
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("explore-text").textContent);
  const ZH = document.documentElement.lang.startsWith("zh");
  const fmt = (key, values) => T[key].replace(/\{(\w+)\}/g, (_, k) => String(values[k]));

  // ------------------------------------------------------------ the picker (no focus yet)
  const pick = document.getElementById("explore-pick");
  if (pick) {
    pick.addEventListener("submit", (e) => {
      const focus = pick.querySelector("input[name=focus]");
      const q = pick.querySelector("input[name=q]");
      if (!focus.value) focus.value = q.value.trim();  // an id typed without choosing a suggestion
      if (!focus.value) { e.preventDefault(); return; }
      q.disabled = true;  // the URL carries the focus only
    });
    window.addEventListener("pageshow", () => { pick.querySelector("input[name=q]").disabled = false; });
    return;
  }

  const canvas = document.getElementById("explore-graph");
  const side = document.getElementById("explore-side");
  const statusEl = document.getElementById("explore-status");
  const legendEl = document.getElementById("explore-legend");
  const unhideBtn = document.getElementById("explore-unhide");
  const tools = document.getElementById("explore-tools");
  const PALETTE = window.BGGraph.PALETTE;

  let view = JSON.parse(document.getElementById("explore-view").textContent);
  let state = fromView(view);
  let drawn = null;
  let selected = [view.focus];
  let renders = 0;
  const groupsCache = new Map();

  function fromView(v) {
    return {
      focus: v.focus,
      expand: v.expand.map((e) => ({ id: e.id, type: e.type, label: e.label, limit: e.limit })),
      hide: v.hide.slice(), paths: v.paths.map((p) => [p.from, p.to]),
      pin: Object.assign({}, v.pin), color: v.color, size: v.size,
    };
  }

  function clone(s) { return JSON.parse(JSON.stringify(s)); }

  function query(s) {
    const q = new URLSearchParams();
    q.set("focus", s.focus);
    s.expand.forEach((e) => q.append("x", [e.id, e.type, e.label, e.limit].join("|")));
    s.hide.forEach((id) => q.append("hide", id));
    s.paths.forEach((p) => q.append("path", p[0] + "|" + p[1]));
    Object.entries(s.pin).forEach(([id, xy]) => q.append("pin", [id, Math.round(xy[0]), Math.round(xy[1])].join("|")));
    if (s.color !== "label") q.set("color", s.color);
    if (s.size !== "degree") q.set("size", s.size);
    return q.toString();
  }

  function remember() { history.replaceState(null, "", location.pathname + "?" + query(state)); }

  function status(text, bad) {
    statusEl.textContent = text || "";
    statusEl.classList.toggle("bad", !!bad);
  }

  // Ask the server for the view ``next`` describes; on an error keep the current one.
  async function apply(next) {
    status(T["explore.loading"]);
    let r, body;
    try {
      r = await fetch("/api/explore?" + query(next));
      body = await r.json();
    } catch (e) { status(String(e), true); return false; }
    if (!r.ok) { status(body.error || r.statusText, true); return false; }
    view = body;
    state = fromView(body);
    remember();
    render(true);
    return true;
  }

  // ------------------------------------------------------------ layout from the view alone
  const RING0 = 220, FAN0 = 200, RING_STEP = 130, GAP = 72, FAN_ARC = Math.PI * 0.75;

  // ``count`` positions on rings around ``c``: the whole circle, or an arc facing ``out``.
  // Up to twice the first radius one ring grows to hold them all; past that, rings go
  // outwards and share the nodes in proportion to their room.
  function ringPositions(count, c, out, arc, r0) {
    const full = arc >= 2 * Math.PI - 1e-9;
    const rings = [];
    if (count * GAP / arc <= 2 * r0) rings.push({ r: Math.max(r0, count * GAP / arc), cap: count });
    else for (let r = r0, held = 0; held < count; r += RING_STEP) {
      const cap = Math.max(4, Math.floor(arc * r / GAP));
      rings.push({ r, cap });
      held += cap;
    }
    const room = rings.reduce((s, x) => s + x.cap, 0);
    let left = count;
    const res = [];
    rings.forEach((ring, i) => {
      const n = i === rings.length - 1 ? left : Math.min(left, Math.round(count * ring.cap / room));
      left -= n;
      const shift = (i % 2) * 0.5;
      for (let j = 0; j < n; j++) {
        const a = full ? out + (2 * Math.PI * (j + shift)) / n : out - arc / 2 + arc * (j + 0.5) / n;
        res.push({ x: c.x + ring.r * Math.cos(a), y: c.y + ring.r * Math.sin(a) });
      }
    });
    res.radius = rings[rings.length - 1].r;
    return res;
  }

  function layout(v, pins) {
    const pos = {}, byId = {}, kids = {}, parent = {}, reach = {};
    v.nodes.forEach((n) => { byId[n.id] = n; });
    v.nodes.forEach((n) => {
      if (n.via === undefined) return;
      const p = byId[n.via] ? n.via : v.focus;  // its expanded node was hidden: hang it from the focus
      (kids[p] = kids[p] || []).push(n.id);
    });
    const put = (id, x, y) => { pos[id] = pins[id] ? { x: pins[id][0], y: pins[id][1] } : { x, y }; };
    put(v.focus, 0, 0);
    const queue = [v.focus];
    const done = new Set();
    let outer = 0;
    for (;;) {
      while (queue.length) {
        const p = queue.shift();
        const children = (kids[p] || []).filter((id) => !pos[id]);
        if (!children.length) continue;
        const c = pos[p], g = parent[p] !== undefined ? pos[parent[p]] : null;
        const out = g ? Math.atan2(c.y - g.y, c.x - g.x) : -Math.PI / 2;
        // a fan starts outside the rings of its parent's siblings
        const r0 = g ? Math.max(FAN0, (reach[parent[p]] || 0) - Math.hypot(c.x - g.x, c.y - g.y) + RING_STEP) : RING0;
        const at = ringPositions(children.length, c, out, g ? FAN_ARC : 2 * Math.PI, r0);
        reach[p] = at.radius;
        children.forEach((id, i) => { put(id, at[i].x, at[i].y); parent[id] = p; queue.push(id); });
      }
      let progressed = false;
      v.paths.forEach((pth, k) => {
        if (done.has(k) || !pth.ids) return;
        const a = pos[pth.ids[0]], b = pos[pth.ids[pth.ids.length - 1]];
        if (!a || !b) return;
        done.add(k);
        progressed = true;
        const m = pth.ids.length - 1, dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
        pth.ids.forEach((id, j) => {
          if (pos[id]) return;
          const t = j / m, bow = Math.sin(Math.PI * t) * Math.min(140, len * 0.3);  // a gentle arc
          put(id, a.x + dx * t - (dy / len) * bow, a.y + dy * t + (dx / len) * bow);
          parent[id] = pth.ids[j - 1];
          queue.push(id);
        });
      });
      if (progressed || queue.length) continue;
      const left = v.nodes.find((n) => !pos[n.id]);  // an end of a path that nothing placed yet
      if (!left) break;
      const a = -Math.PI / 2 + outer * 0.7;
      put(left.id, 900 * Math.cos(a), 900 * Math.sin(a));
      outer += 1;
      queue.push(left.id);
    }
    return pos;
  }

  // ------------------------------------------------------------ drawing
  function money(v) {
    if (v === undefined || v === null) return "–";
    const a = Math.abs(v);
    if (ZH) {
      if (a >= 1e8) return (v / 1e8).toFixed(2) + "亿";
      if (a >= 1e4) return (v / 1e4).toFixed(1) + "万";
      return Math.round(v).toLocaleString("zh-CN");
    }
    for (const [size, unit] of [[1e9, "B"], [1e6, "M"], [1e3, "K"]]) if (a >= size) return (v / size).toFixed(1) + unit;
    return Math.round(v).toLocaleString("en");
  }

  function propsOf(n) {
    const p = {};
    if (n.category) p[T["explore.category"]] = T.categories[n.category] || n.category;
    p[T["explore.degree"]] = n.degree.toLocaleString();
    if (n.followers !== undefined) p[T["explore.followers"]] = n.followers.toLocaleString();
    if (n.gmv !== undefined) p[T["explore.gmv"]] = money(n.gmv);
    return p;
  }

  // On a log scale; a node without the metric (a belt has no followers) takes the middle size,
  // so that it neither looms nor vanishes.
  function sizer() {
    if (state.size === "none") return () => 1;
    const logs = view.nodes.filter((n) => typeof n[state.size] === "number").map((n) => Math.log10(1 + Math.max(0, n[state.size])));
    logs.sort((a, b) => a - b);
    const middle = logs.length ? (logs[0] + logs[logs.length - 1]) / 2 : 0;
    return (n) => 1 + (typeof n[state.size] === "number" ? Math.log10(1 + Math.max(0, n[state.size])) : middle);
  }

  function onPaths() {
    const ids = [];
    view.paths.forEach((p) => { if (p.ids) ids.push(...p.ids); });
    return ids;
  }

  // The export links below the canvas: the nodes on it, as files (web/exports.py).
  function exportLinks() {
    const query = view.nodes.filter((n) => !view.hide.includes(n.id))
      .map((n) => "id=" + encodeURIComponent(n.id)).join("&") + "&view=" + encodeURIComponent("explore " + view.focus);
    document.querySelectorAll("#explore-export a[data-format]").forEach((a) => {
      a.href = "/export?format=" + a.dataset.format + "&" + query;
    });
  }

  function render(keepCamera) {
    const pos = layout(view, state.pin);
    const sizeOf = sizer();
    const nodes = view.nodes.map((n) => ({
      id: n.id, label: n.label, name: n.name, category: n.category,
      x: pos[n.id].x, y: pos[n.id].y, size: sizeOf(n), props: propsOf(n),
    }));
    let camera = null;
    if (drawn && keepCamera) camera = { position: drawn.network.getViewPosition(), scale: drawn.network.getScale() };
    if (drawn) drawn.network.destroy();
    drawn = window.BGGraph.draw(canvas, { nodes, rels: view.rels },
      { colorBy: state.color, onClick: expandAll, highlight: onPaths() });
    markPins(true);
    drawn.network.on("click", () => { selected = drawn.network.getSelectedNodes(); showSide(); });
    drawn.network.on("dragEnd", (p) => {
      if (!p.nodes.length) return;
      const at = drawn.network.getPositions(p.nodes);
      p.nodes.forEach((id) => { state.pin[id] = [at[id].x, at[id].y]; });  // where the user put it, it stays
      markPins();
      remember();
      showSide();
    });
    if (camera) drawn.network.moveTo({ position: camera.position, scale: camera.scale });
    else drawn.network.fit();
    selected = selected.filter((id) => drawn.nodes.get(id));
    if (!selected.length) selected = [view.focus];
    drawn.network.selectNodes(selected);
    drawLegend();
    const hidden = view.hide.length;
    unhideBtn.hidden = hidden === 0;
    unhideBtn.textContent = fmt("explore.hidden", { n: hidden }) + " · " + T["explore.unhide"];
    const missing = view.paths.filter((p) => p.hops === null).map((p) => fmt("explore.no_path", { a: nameOf(p.from), b: nameOf(p.to) }));
    status(missing.length ? missing.join(" ") : fmt("explore.nodes", { n: view.nodes.length, r: view.rels.length }), missing.length > 0);
    exportLinks();
    renders += 1;
    canvas.dataset.renders = String(renders);
    canvas.dataset.nodes = String(view.nodes.length);
    showSide();
  }

  // A pinned node stays where it is and wears a thick dashed border.
  let marked = new Set();
  function markPins(fresh) {
    if (fresh) marked = new Set();
    const hi = new Set(onPaths());
    const updates = [];
    drawn.nodes.forEach((n) => {
      const pinned = !!state.pin[n.id];
      if (!pinned && !marked.has(n.id)) return;
      updates.push({ id: n.id, fixed: pinned ? { x: true, y: true } : false,
                     borderWidth: pinned ? 3 : (hi.has(n.id) ? 4 : 1),
                     shapeProperties: { borderDashes: pinned ? [4, 3] : false } });
      if (pinned) marked.add(n.id); else marked.delete(n.id);
    });
    drawn.nodes.update(updates);
  }

  function drawLegend() {
    if (state.color === "label") { window.BGGraph.legend(legendEl, view); return; }
    const counts = {};
    view.nodes.forEach((n) => { const c = n.category || ""; counts[c] = (counts[c] || 0) + 1; });
    legendEl.replaceChildren();
    Object.keys(counts).sort((a, b) => counts[b] - counts[a]).forEach((c) => {
      const span = document.createElement("span");
      const dot = document.createElement("i");
      dot.style.background = c ? PALETTE.categories[c] || PALETTE.other : PALETTE.other;
      span.appendChild(dot);
      span.appendChild(document.createTextNode((c ? T.categories[c] || c : T["explore.other"]) + " " + counts[c]));
      legendEl.appendChild(span);
    });
  }

  function nameOf(id) {
    const n = view.nodes.find((x) => x.id === id);
    return n ? n.name : id;
  }

  // ------------------------------------------------------------ what the user does
  function stepLimit() {
    const input = side.querySelector("input[name=n]");
    const n = input ? parseInt(input.value, 10) : 20;
    return Math.max(1, Math.min(T.max_step, Number.isFinite(n) ? n : 20));
  }

  function add(id, type, label, n) {
    if (view.nodes.length + n > T.max_view) { status(fmt("explore.too_many", { n: T.max_view }), true); return; }
    const next = clone(state);
    const rec = next.expand.find((e) => e.id === id && e.type === type && e.label === label);
    if (rec) rec.limit = Math.min(T.max_shown, rec.limit + n);
    else next.expand.push({ id, type, label, limit: n });
    apply(next);
  }

  function expandAll(id) { add(id, "*", "*", stepLimit()); }

  function hide(ids) {
    const next = clone(state);
    ids.filter((id) => id !== state.focus && !next.hide.includes(id)).forEach((id) => {
      next.hide.push(id);
      delete next.pin[id];
    });
    selected = [];
    apply(next);
  }

  function togglePin(id) {
    if (state.pin[id]) delete state.pin[id];
    else { const at = drawn.network.getPositions([id])[id]; state.pin[id] = [at.x, at.y]; }
    markPins();
    remember();
    showSide();
  }

  function findPath(a, b) {
    const next = clone(state);
    if (!next.paths.some((p) => p[0] === a && p[1] === b)) next.paths.push([a, b]);
    apply(next);
  }

  // ------------------------------------------------------------ the side panel
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function button(text, fn, cls) {
    const b = el("button", text, cls);
    b.type = "button";
    b.addEventListener("click", fn);
    return b;
  }

  function shownIn(id, type, label) {
    const labels = {};
    view.nodes.forEach((n) => { labels[n.id] = n.label; });
    let k = 0;
    view.rels.forEach((r) => {
      if (r.type !== type) return;
      if (r.from === id && labels[r.to] === label) k += 1;
      else if (r.to === id && labels[r.from] === label) k += 1;
    });
    return k;
  }

  async function groups(id) {
    if (!groupsCache.has(id)) {
      const r = await fetch("/api/explore/groups?id=" + encodeURIComponent(id));
      if (!r.ok) throw new Error((await r.json()).error);
      groupsCache.set(id, await r.json());
    }
    return groupsCache.get(id);
  }

  let sideFor = null;
  async function showSide() {
    const id = selected[selected.length - 1];
    if (!id) { side.replaceChildren(el("p", T["explore.select_hint"], "muted")); return; }
    const want = id + "\u0000" + selected.join("\u0000") + "\u0000" + renders + "\u0000" + !!state.pin[id];
    sideFor = want;
    let g;
    try { g = await groups(id); } catch (e) { status(e.message, true); return; }
    if (sideFor !== want) return;  // the selection changed meanwhile
    const parts = [];
    const head = el("h2", g.name);
    parts.push(head);
    parts.push(el("p", (PALETTE.labels[g.label] || g.label) + " · " + g.id, "muted"));
    const actions = el("div", null, "explore-actions");
    const start = el("a", T["explore.refocus"], "button");
    start.href = location.pathname + "?focus=" + encodeURIComponent(id) + "&x=" + encodeURIComponent(id + "|*|*|10");
    actions.appendChild(start);
    const profile = el("a", T["explore.profile"], "button");
    profile.href = "/nodes/" + encodeURIComponent(id);
    actions.appendChild(profile);
    if (id !== state.focus) actions.appendChild(button(T["explore.hide"], () => hide(selected.slice())));
    actions.appendChild(button(state.pin[id] ? T["explore.unpin"] : T["explore.pin"], () => togglePin(id)));
    parts.push(actions);
    if (selected.length >= 2) {
      const a = selected[selected.length - 2], b = id;
      const row = el("div", null, "explore-path");
      row.appendChild(button(T["explore.path"], () => findPath(a, b), "primary"));
      row.appendChild(el("span", " " + fmt("explore.path_between", { a: nameOf(a), b: nameOf(b) }), "muted"));
      parts.push(row);
    }
    parts.push(el("h3", T["explore.groups"]));
    const nrow = el("label", T["explore.n"] ? T["explore.n"] : "", "explore-n");
    const input = el("input");
    input.type = "number"; input.name = "n"; input.min = "1"; input.max = String(T.max_step);
    input.value = side.dataset.n || "20";
    input.addEventListener("change", () => { side.dataset.n = String(stepLimit()); });
    nrow.appendChild(input);
    parts.push(nrow);
    const table = el("table", null, "data explore-groups");
    const thead = el("thead");
    const hr = el("tr");
    hr.appendChild(el("th", T["explore.col.rel"]));
    hr.appendChild(el("th", T["explore.col.count"], "num"));
    hr.appendChild(el("th", T["explore.col.shown"], "num"));
    hr.appendChild(el("th", ""));
    thead.appendChild(hr);
    table.appendChild(thead);
    const tbody = el("tbody");
    g.relationships.forEach((grp) => {
      const tr = el("tr");
      tr.dataset.type = grp.type;
      tr.dataset.label = grp.label;
      const rel = el("td");
      const dot = el("i", null, "dot");
      dot.style.background = PALETTE.colors[grp.label] || PALETTE.other;
      rel.appendChild(dot);
      rel.appendChild(el("strong", PALETTE.labels[grp.label] || grp.label));
      rel.appendChild(el("small", (grp.direction === "out" ? "→ " : "← ") + grp.type));
      tr.appendChild(rel);
      tr.appendChild(el("td", grp.count.toLocaleString(), "num"));
      const shown = shownIn(id, grp.type, grp.label);
      tr.appendChild(el("td", shown.toLocaleString(), "num"));
      const td = el("td");
      const rec = state.expand.find((e) => e.id === id && e.type === grp.type && e.label === grp.label);
      const n = () => stepLimit();
      const b = button(fmt(rec ? "explore.add_next" : "explore.add_top", { n: side.dataset.n || 20 }),
                       () => add(id, grp.type, grp.label, n()), "add");
      b.disabled = shown >= grp.count;
      td.appendChild(b);
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    parts.push(table);
    side.replaceChildren(...parts);
    input.addEventListener("input", () => {
      const v = stepLimit();
      side.dataset.n = String(v);
      tbody.querySelectorAll("button.add").forEach((btn, i) => {
        const grp = g.relationships[i];
        const rec = state.expand.find((e) => e.id === id && e.type === grp.type && e.label === grp.label);
        btn.textContent = fmt(rec ? "explore.add_next" : "explore.add_top", { n: v });
      });
    });
  }

  // ------------------------------------------------------------ the toolbar
  tools.addEventListener("submit", (e) => e.preventDefault());
  tools.querySelector("select[name=color]").addEventListener("change", (e) => {
    state.color = e.target.value; remember(); render(true);
  });
  tools.querySelector("select[name=size]").addEventListener("change", (e) => {
    state.size = e.target.value; remember(); render(true);
  });
  document.getElementById("explore-fit").addEventListener("click", () => drawn.network.fit());
  document.getElementById("explore-reset").addEventListener("click", () => {
    selected = [state.focus];
    apply({ focus: state.focus, expand: [], hide: [], paths: [], pin: {}, color: state.color, size: state.size });
  });
  unhideBtn.addEventListener("click", () => { const next = clone(state); next.hide = []; apply(next); });
  document.getElementById("explore-copy").addEventListener("click", () => {
    const done = () => status(T["explore.copied"]);
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(location.href).then(done); return; }
    const box = document.createElement("textarea");
    box.value = location.href;
    document.body.appendChild(box);
    box.select();
    document.execCommand("copy");
    box.remove();
    done();
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select")) return;
    if ((e.key === "Delete" || e.key === "Backspace") && selected.length) { e.preventDefault(); hide(selected.slice()); }
  });

  // For tests and the curious: what is on the canvas now.
  window.BGExplore = {
    ids: () => (drawn ? drawn.nodes.getIds() : []),
    state: () => clone(state),
    positions: (ids) => drawn.network.getPositions(ids),
    select: (ids) => { selected = ids.slice(); drawn.network.selectNodes(selected); showSide(); },
  };

  remember();
  render(false);
})();
