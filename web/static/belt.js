// The belt profile: the chart's metric tabs and the neighbourhood drawn with BGGraph.
(function () {
  "use strict";
  document.querySelectorAll(".chart-tabs button").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll(".chart-tabs button").forEach((x) => x.classList.toggle("on", x === b));
    document.querySelectorAll("svg.bars").forEach((s) => s.toggleAttribute("hidden", s.dataset.metric !== b.dataset.metric));
  }));

  // A fixed layout that reads at a glance: the belt in the middle; its supply chains, bases and
  // serving providers on an ellipse around it (each kind in its own arc, alternately nearer and
  // farther so neighbouring labels do not overlap); anchors outside the supply chain they sell,
  // base operators outside their base.
  function layout(data) {
    const belt = data.nodes[0];
    const RX = 520, RY = 190, OUT = 1.45;
    const links = (type) => data.rels.filter((r) => r.type === type);
    const serving = new Set(links("SERVES").map((r) => r.from));
    const inner = [], at = new Map();
    ["SupplyChain", "Base", "Provider"].forEach((label) => {
      data.nodes.forEach((n) => {
        if (n.label === label && (label !== "Provider" || serving.has(n.id))) inner.push(n);
      });
    });
    belt.x = 0; belt.y = 0;
    inner.forEach((n, i) => {
      const a = -Math.PI / 2 + 2 * Math.PI * (i + 0.5) / inner.length;
      const f = i % 2 ? 0.78 : 1.0;
      n.x = Math.cos(a) * RX * f; n.y = Math.sin(a) * RY * f;
      at.set(n.id, a);
    });
    const outer = new Map();   // angle -> how many nodes already sit outside it
    function place(n, a) {
      const k = outer.get(a) || 0;
      outer.set(a, k + 1);
      const a2 = a + (k % 2 ? -1 : 1) * Math.ceil(k / 2) * 0.09;
      n.x = Math.cos(a2) * RX * OUT; n.y = Math.sin(a2) * RY * (OUT + 0.35 * (k % 2));
    }
    const sells = new Map(links("SELLS").map((r) => [r.from, r.to]));
    const operates = new Map(links("OPERATES").map((r) => [r.from, r.to]));
    data.nodes.forEach((n, i) => {
      if (n === belt || at.has(n.id)) return;
      const anchorTo = n.label === "Anchor" ? sells.get(n.id) : operates.get(n.id);
      const a = at.has(anchorTo) ? at.get(anchorTo) : 2 * Math.PI * i / data.nodes.length;
      place(n, a);
    });
    return data;
  }

  const box = document.getElementById("graph");
  const source = document.getElementById("belt-graph");
  if (!box || !source || !window.BGGraph) return;
  const data = JSON.parse(source.textContent);
  if (!data.nodes.length) return;
  const labels = new Map(data.nodes.map((n) => [n.id, n.label]));
  BGGraph.legend(document.getElementById("graph-legend"), data);
  window.BGBeltGraph = BGGraph.draw(box, layout(data), {
    colorBy: "label",
    highlight: [data.nodes[0].id],
    onClick: (id) => {
      window.location.href = (labels.get(id) === "Belt" ? "/belts/" : "/nodes/") + encodeURIComponent(id);
    },
  });
})();
