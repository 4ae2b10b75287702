// The path finder: an id typed into a picker counts as picked, empty options stay out of the
// URL, and the found paths are drawn together (BGGraph.draw), the two ends highlighted.
(function () {
  "use strict";
  const form = document.getElementById("path-form");
  if (form) {
    form.addEventListener("submit", () => {
      // A picker whose list was not used: take what was typed as an id (the URL accepts ids).
      form.querySelectorAll("input[data-suggest][data-target]").forEach((box) => {
        const hidden = form.querySelector(`input[name="${box.dataset.target}"]`);
        if (hidden && !hidden.value && box.value.trim()) hidden.value = box.value.trim();
      });
      // Defaults and empty fields stay out of the URL, so a link shows only what was asked.
      const defaults = { k: "1", max_hops: "6", via: "" };
      for (const [name, value] of Object.entries(defaults)) {
        const el = form.elements[name];
        if (el && el.value.trim() === value) el.disabled = true;
      }
    });
    // Back to a page whose fields were disabled on submit (bfcache): enable them again.
    window.addEventListener("pageshow", () => form.querySelectorAll("[disabled]").forEach((el) => { el.disabled = false; }));
  }

  const source = document.getElementById("path-data");
  const box = document.getElementById("path-graph");
  if (!source || !box) return;
  const data = JSON.parse(source.textContent);
  const drawn = BGGraph.draw(box, data.graph, { highlight: data.highlight, physics: false });
  // Name each relationship on its edge, in the reader's language; one that would run through
  // another node is an arc.
  const at = Object.fromEntries(data.graph.nodes.map((n) => [n.id, n]));
  const arcs = new Map(data.graph.rels.filter((r) => r.curved).map((r) => [r.from + "\u0000" + r.to + "\u0000" + r.type, r.curved]));
  drawn.edges.forEach((e) => {
    const side = arcs.get(e.from + "\u0000" + e.to + "\u0000" + e.title);
    const rightward = at[e.from].x < at[e.to].x;   // clockwise from left to right bows up
    drawn.edges.update({
      id: e.id, label: data.rel_names[e.title] || e.title,
      smooth: side ? { enabled: true, type: (side === "up") === rightward ? "curvedCW" : "curvedCCW", roundness: 0.45 } : false,
    });
  });
  drawn.network.setOptions({ edges: { font: { size: 11, color: "#66707f", strokeWidth: 3, strokeColor: "#ffffff" } } });
  BGGraph.legend(document.getElementById("path-legend"), data.graph);
  drawn.network.once("afterDrawing", () => drawn.network.fit());

  // Pointing at a path in the list selects it on the graph.
  document.querySelectorAll("#path-list li.path").forEach((li) => {
    const ids = JSON.parse(li.dataset.ids);
    const edgeIds = drawn.edges.getIds({ filter: (e) => ids.includes(e.from) && ids.includes(e.to) });
    li.addEventListener("mouseenter", () => drawn.network.setSelection({ nodes: ids, edges: edgeIds }, { highlightEdges: false }));
    li.addEventListener("mouseleave", () => drawn.network.unselectAll());
  });
})();
