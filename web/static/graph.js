// The one graph drawing of BeltGraph pages (belt profile, paths, connect, explorer, console):
// vis-network from the pyvis wheel, served by this app. Labels and tooltips are text.
(function () {
  "use strict";
  const PALETTE = JSON.parse(document.getElementById("bg-palette").textContent);

  function tooltip(n) {
    const div = document.createElement("div");
    div.style.whiteSpace = "pre-line";
    const lines = [n.name + "  (" + (PALETTE.labels[n.label] || n.label) + ")", n.id];
    for (const [k, v] of Object.entries(n.props || {})) lines.push(k + ": " + v);
    div.textContent = lines.join("\n");
    return div;
  }

  function colorOf(n, by) {
    if (by === "category" && n.category) return PALETTE.categories[n.category] || PALETTE.other;
    return PALETTE.colors[n.label] || PALETTE.other;
  }

  // data: {nodes: [{id, label, name, x?, y?, size?, tier?, category?, props?}], rels: [{from, to, type}]}
  // opts: {colorBy: "label"|"category", onClick(id), physics: bool, highlight: [ids]}
  // The container's data-drawn holds the node count once the first frame is drawn.
  function draw(container, data, opts) {
    opts = opts || {};
    const positioned = data.nodes.length > 0 && data.nodes.every((n) => n.x !== undefined && n.x !== null);
    const hi = new Set(opts.highlight || []);
    const nodes = new vis.DataSet(data.nodes.map((n) => ({
      id: n.id, label: n.name, title: tooltip(n), x: n.x, y: n.y,
      value: n.size || 1, shape: n.label === "Belt" ? "diamond" : "dot",
      color: { background: colorOf(n, opts.colorBy), border: n.tier ? PALETTE.tiers[n.tier] : (hi.has(n.id) ? "#111" : colorOf(n, opts.colorBy)) },
      borderWidth: n.tier || hi.has(n.id) ? 4 : 1,
      font: { size: 13, color: "#1d2430" },
    })));
    const seen = new Set();
    const edges = new vis.DataSet(data.rels.filter((r) => {
      const k = r.from + "\u0000" + r.to + "\u0000" + r.type;
      if (seen.has(k)) return false;
      seen.add(k); return true;
    }).map((r, i) => ({ id: i, from: r.from, to: r.to, title: r.type, arrows: "to",
                        color: { color: "#b8c0cc" }, width: hi.has(r.from) && hi.has(r.to) ? 3 : 1 })));
    const network = new vis.Network(container, { nodes, edges }, {
      nodes: { scaling: { min: 8, max: 40 } },
      edges: { smooth: false, font: { size: 9, color: "#8a94a3" } },
      physics: positioned || opts.physics === false ? false : { stabilization: { iterations: 200 }, solver: "forceAtlas2Based" },
      interaction: { hover: true, tooltipDelay: 150, multiselect: true },
      layout: { improvedLayout: data.nodes.length < 150 },
    });
    network.on("doubleClick", (p) => {
      if (p.nodes.length && opts.onClick) opts.onClick(p.nodes[0]);
      else if (p.nodes.length) window.location.href = "/nodes/" + encodeURIComponent(p.nodes[0]);
    });
    network.once("stabilizationIterationsDone", () => network.setOptions({ physics: false }));
    container.dataset.drawn = "";
    network.once("afterDrawing", () => { container.dataset.drawn = String(data.nodes.length); });
    return { network, nodes, edges };
  }

  // draw(), with positions from the server (POST /api/layout) when the drawing holds more than
  // PALETTE.draw.server_above unplaced nodes: the browser then draws without physics at once.
  // Returns a Promise of what draw() returns.
  async function drawLaidOut(container, data, opts) {
    const placed = data.nodes.every((n) => n.x !== undefined && n.x !== null);
    if (!placed && data.nodes.length > PALETTE.draw.server_above) {
      const res = await window.BGpost("/api/layout", {
        nodes: data.nodes.map((n) => n.id), rels: data.rels.map((r) => [r.from, r.to]) });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || res.statusText);
      data = { ...data, nodes: data.nodes.map((n) => {
        const p = body.positions[n.id];
        return p ? { ...n, x: p[0], y: p[1] } : n;
      }) };
    }
    return draw(container, data, opts);
  }

  function legend(el, data) {
    const counts = {};
    data.nodes.forEach((n) => { counts[n.label] = (counts[n.label] || 0) + 1; });
    el.replaceChildren();
    Object.keys(counts).forEach((label) => {
      const span = document.createElement("span");
      const dot = document.createElement("i");
      dot.style.background = PALETTE.colors[label] || PALETTE.other;
      span.appendChild(dot);
      span.appendChild(document.createTextNode((PALETTE.labels[label] || label) + " " + counts[label]));
      el.appendChild(span);
    });
  }

  window.BGGraph = { draw, drawLaidOut, legend, PALETTE };
})();
