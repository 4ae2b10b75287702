// Group relations: the picker adds chips (one hidden id each), × removes one, and the tree
// is drawn with BGGraph.draw, the chosen parties highlighted.
(function () {
  "use strict";
  const form = document.getElementById("connect-form");
  if (form) {
    const chips = document.getElementById("chips");
    const box = document.getElementById("connect-pick");
    const picked = form.querySelector('input[name="pick"]');
    const template = document.getElementById("chip-template");

    function add(id, name) {
      id = (id || "").trim();
      if (!id || chips.querySelector(`input[name="id"][value="${CSS.escape(id)}"]`)) return;
      const chip = template.content.firstElementChild.cloneNode(true);
      chip.dataset.id = id;
      chip.querySelector('input[name="id"]').value = id;
      chip.querySelector(".chip-name").textContent = name || id;
      chip.querySelector("small").textContent = id;
      chips.appendChild(chip);
    }
    function addTyped() {  // a suggestion picked, or an id typed as is
      add(picked.value || box.value, picked.value ? box.value : "");
      picked.value = ""; box.value = "";
    }
    box.addEventListener("picked", addTyped);
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.defaultPrevented && box.value.trim()) { e.preventDefault(); addTyped(); }
    });
    document.getElementById("connect-add").addEventListener("click", addTyped);
    chips.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-remove]");
      if (button) button.closest(".chip").remove();
    });
    form.addEventListener("submit", () => { if (box.value.trim()) addTyped(); });
  }

  const source = document.getElementById("connect-data");
  const el = document.getElementById("connect-graph");
  if (!source || !el) return;
  const data = JSON.parse(source.textContent);
  const drawn = BGGraph.draw(el, data.graph, { highlight: data.highlight, physics: false });
  drawn.edges.forEach((e) => drawn.edges.update({ id: e.id, label: data.rel_names[e.title] || e.title }));
  drawn.network.setOptions({ edges: { font: { size: 11, color: "#66707f", strokeWidth: 3, strokeColor: "#ffffff" } } });
  drawn.network.once("afterDrawing", () => drawn.network.fit());
  BGGraph.legend(document.getElementById("connect-legend"), data.graph);
})();
