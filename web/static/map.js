// The belts map (/map): tooltips, labels that do not overlap, zoom and pan, the category filter.
// The SVG comes drawn from the server; names are read from data attributes and set as text.
(function () {
  "use strict";
  const svg = document.getElementById("map");
  if (!svg) return;
  const W = +svg.dataset.width, H = +svg.dataset.height;
  const tip = document.getElementById("map-tip");
  const dots = Array.from(svg.querySelectorAll("a.belt"));
  const labels = Array.from(svg.querySelectorAll("g.labels text"));
  const byId = new Map(dots.map((a) => [a.dataset.id, a]));
  const hidden = new Set();          // categories switched off in the legend
  const FONT = 13, GRID_FONT = 11, MAX_LABELS = 14;
  let view = { x: 0, y: 0, w: W, h: H };

  // ---------------------------------------------------------------- tooltips
  function showTip(a, ev) {
    tip.replaceChildren();
    const b = document.createElement("b");
    b.textContent = a.dataset.name;
    const line = document.createElement("div");
    line.textContent = [a.dataset.categoryName, a.dataset.province].filter(Boolean).join(" · ");
    const gmv = document.createElement("div");
    gmv.textContent = "GMV " + a.dataset.gmv;
    tip.append(b, line, gmv);
    tip.hidden = false;
    moveTip(ev);
  }
  function moveTip(ev) {
    tip.style.left = (ev.clientX + 14) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
  }
  dots.forEach((a) => {
    a.addEventListener("mouseenter", (ev) => { showTip(a, ev); a.classList.add("hover"); });
    a.addEventListener("mousemove", moveTip);
    a.addEventListener("mouseleave", () => { tip.hidden = true; a.classList.remove("hover"); });
    a.addEventListener("focus", () => a.classList.add("hover"));
    a.addEventListener("blur", () => a.classList.remove("hover"));
  });

  // ---------------------------------------------------------------- labels
  function overlaps(r, placed) {
    return placed.some((p) => r.x < p.x + p.w && p.x < r.x + r.w && r.y < p.y + p.h && p.y < r.y + r.h);
  }
  // Biggest belts first: each label takes the first free place (right, left, above, below its
  // dot) inside the view, or stays hidden.
  function placeLabels() {
    const k = W / view.w;
    const placed = [];
    let shown = 0;
    const limit = Math.round(MAX_LABELS * k * k);
    labels.forEach((text) => {
      const a = byId.get(text.dataset.for);
      text.style.fontSize = (FONT / k) + "px";
      text.style.display = "none";
      if (!a || a.classList.contains("off") || shown >= limit) return;
      const x = +a.dataset.x, y = +a.dataset.y, r = radius(a, k), gap = 3 / k;
      if (x < view.x || x > view.x + view.w || y < view.y || y > view.y + view.h) return;
      text.style.display = "inline";  // over the stylesheet's hidden .minor
      const tries = [["start", x + r + gap, y + 4 / k], ["end", x - r - gap, y + 4 / k],
                     ["middle", x, y - r - gap], ["middle", x, y + r + FONT / k]];
      for (const [anchor, tx, ty] of tries) {
        text.setAttribute("text-anchor", anchor);
        text.setAttribute("x", tx);
        text.setAttribute("y", ty);
        const bb = text.getBBox();
        const box = { x: bb.x - 1 / k, y: bb.y, w: bb.width + 2 / k, h: bb.height };
        const inside = box.x >= view.x && box.x + box.w <= view.x + view.w && box.y >= view.y && box.y + box.h <= view.y + view.h;
        if (inside && !overlaps(box, placed)) {
          placed.push(box);
          shown += 1;
          return;
        }
      }
      text.style.display = "none";
    });
  }

  // ---------------------------------------------------------------- zoom and pan
  function apply() {
    const k = W / view.w;
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    dots.forEach((a) => { a.querySelector("circle").setAttribute("r", radius(a, k)); });
    svg.querySelectorAll("g.grid text").forEach((t) => { t.style.fontSize = (GRID_FONT / k) + "px"; });
    svg.style.setProperty("--stroke", (1 / k) + "px");
    placeLabels();
  }
  function zoom(factor, cx, cy) {
    const w = Math.min(W, Math.max(W / 12, view.w / factor));
    const h = w * H / W;
    cx = cx === undefined ? view.x + view.w / 2 : cx;
    cy = cy === undefined ? view.y + view.h / 2 : cy;
    const fx = (cx - view.x) / view.w, fy = (cy - view.y) / view.h;
    view = clamp({ x: cx - fx * w, y: cy - fy * h, w, h });
    apply();
  }
  // The view may pass the edge by half its size, so a belt near the edge can be centred.
  function clamp(v) {
    v.x = Math.min(Math.max(v.x, -v.w / 2), W - v.w / 2);
    v.y = Math.min(Math.max(v.y, -v.h / 2), H - v.h / 2);
    if (v.w >= W) { v.x = 0; v.y = 0; }
    return v;
  }
  // Zoomed in, dots keep about their size on screen (a little smaller), so crowded ones part.
  function radius(a, k) { return Math.max(3, (+a.dataset.r) / Math.pow(k, 0.25)) / k; }
  function toSvg(ev) {
    const rect = svg.getBoundingClientRect();
    return [view.x + (ev.clientX - rect.left) / rect.width * view.w, view.y + (ev.clientY - rect.top) / rect.height * view.h];
  }
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const [x, y] = toSvg(ev);
    zoom(ev.deltaY < 0 ? 1.25 : 0.8, x, y);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (ev) => {
    if (ev.target.closest("a.belt")) return;
    drag = { x: ev.clientX, y: ev.clientY, view: Object.assign({}, view) };
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const rect = svg.getBoundingClientRect();
    view = clamp({ x: drag.view.x - (ev.clientX - drag.x) / rect.width * view.w,
                   y: drag.view.y - (ev.clientY - drag.y) / rect.height * view.h, w: view.w, h: view.h });
    apply();
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.zoom === "in") zoom(1.6);
    else if (b.dataset.zoom === "out") zoom(1 / 1.6);
    else { view = { x: 0, y: 0, w: W, h: H }; apply(); }
  }));

  // ---------------------------------------------------------------- category filter
  document.querySelectorAll("#map-legend button.cat").forEach((b) => b.addEventListener("click", () => {
    const cats = b.dataset.category ? [b.dataset.category] : b.dataset.others.split(",");
    const off = !b.classList.contains("off");
    b.classList.toggle("off", off);
    cats.forEach((c) => (off ? hidden.add(c) : hidden.delete(c)));
    dots.forEach((a) => a.classList.toggle("off", hidden.has(a.dataset.category)));
    placeLabels();
  }));

  apply();
})();
