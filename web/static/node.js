// An entity's page: its neighbourhood (the first page of each group) drawn with BGGraph.
(function () {
  "use strict";
  const box = document.getElementById("graph");
  const source = document.getElementById("node-graph");
  if (!box || !source || !window.BGGraph) return;
  const data = JSON.parse(source.textContent);
  if (data.nodes.length < 2) { box.hidden = true; return; }
  const labels = new Map(data.nodes.map((n) => [n.id, n.label]));
  BGGraph.legend(document.getElementById("graph-legend"), data);
  window.BGNodeGraph = BGGraph.draw(box, data, {
    colorBy: "label",
    highlight: [data.nodes[0].id],
    onClick: (id) => {
      window.location.href = (labels.get(id) === "Belt" ? "/belts/" : "/nodes/") + encodeURIComponent(id);
    },
  });
})();
