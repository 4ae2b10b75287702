// The Cypher console: run a read-only query with $parameters through POST /api/cypher, show the
// rows as a table and, when they hold nodes, relationships or paths, as a graph (BGGraph.draw).
// History stays in this browser (localStorage, the last 50). Data is set as text, never as HTML.
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("cypher-data").textContent);
  const T = DATA.texts;
  const fmt = (key, values) => T[key].replace(/\{(\w+)\}/g, (_, k) => String(values[k]));
  const HISTORY_KEY = "beltgraph.cypher.history";
  const HISTORY_MAX = 50;
  const GRAPH_MAX = window.BGGraph.PALETTE.draw.max;  // [web] draw_max_nodes

  const form = document.getElementById("cypher-form");
  const editor = document.getElementById("cypher-query");
  const paramsBox = document.getElementById("cypher-params");
  const resultBox = document.getElementById("cypher-result");
  const errorBox = document.getElementById("cypher-error");
  const runBtn = document.getElementById("cypher-run");
  let last = null;  // {query, params} of the result on show

  // ------------------------------------------------------------ parameters
  function paramValueText(v) { return typeof v === "string" ? v : JSON.stringify(v); }

  function addParam(name, value) {
    const row = document.createElement("div");
    row.className = "cypher-param";
    const k = document.createElement("input");
    k.className = "k"; k.placeholder = T["cypher.param.name"]; k.value = name || ""; k.spellcheck = false;
    k.setAttribute("aria-label", T["cypher.param.name"]);
    const v = document.createElement("input");
    v.className = "v"; v.placeholder = T["cypher.param.value"]; v.spellcheck = false;
    v.value = value === undefined ? "" : paramValueText(value);
    v.setAttribute("aria-label", T["cypher.param.value"]);
    const x = document.createElement("button");
    x.type = "button"; x.textContent = "×"; x.title = T["cypher.param.remove"];
    x.addEventListener("click", () => row.remove());
    const dollar = document.createElement("span");
    dollar.textContent = "$"; dollar.className = "muted";
    row.append(dollar, k, v, x);
    paramsBox.appendChild(row);
    [k, v].forEach((input) => input.addEventListener("keydown", runOnCtrlEnter));
    return row;
  }

  function setParams(params) {
    paramsBox.replaceChildren();
    Object.entries(params || {}).forEach(([k, v]) => addParam(k, v));
  }

  // Values as `beltgraph cypher --param k=v` reads them: JSON when it parses, else text.
  function readParams() {
    const out = {};
    for (const row of paramsBox.querySelectorAll(".cypher-param")) {
      const k = row.querySelector(".k").value.trim().replace(/^\$/, "");
      const raw = row.querySelector(".v").value;
      if (!k && !raw.trim()) continue;
      if (!k || k in out) throw new Error(T["cypher.bad_params"]);
      try { out[k] = JSON.parse(raw); } catch (e) { out[k] = raw; }
    }
    return out;
  }

  // ------------------------------------------------------------ history
  function history() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
  }

  function remember(query, params) {
    const key = JSON.stringify([query, params]);
    const items = history().filter((h) => JSON.stringify([h.query, h.params]) !== key);
    items.unshift({ query, params, at: new Date().toISOString() });
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, HISTORY_MAX))); } catch (e) { /* full or off */ }
    showHistory();
  }

  function showHistory() {
    const list = document.getElementById("cypher-history");
    const items = history();
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = T["cypher.history.empty"];
      list.appendChild(li);
      return;
    }
    items.forEach((h) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      const code = document.createElement("code");
      code.textContent = h.query.replace(/\s+/g, " ").slice(0, 140);
      b.appendChild(code);
      const p = Object.keys(h.params || {});
      if (p.length) {
        const small = document.createElement("small");
        small.textContent = p.map((k) => "$" + k + " = " + paramValueText(h.params[k])).join(", ");
        b.appendChild(small);
      }
      b.title = h.at;
      b.addEventListener("click", () => { editor.value = h.query; setParams(h.params); editor.focus(); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  document.getElementById("cypher-history-clear").addEventListener("click", () => {
    try { localStorage.removeItem(HISTORY_KEY); } catch (e) { /* off */ }
    showHistory();
  });

  // ------------------------------------------------------------ examples
  document.querySelectorAll("#cypher-examples button[data-example]").forEach((b) => {
    b.addEventListener("click", () => {
      const ex = DATA.examples.find((e) => e.key === b.dataset.example);
      editor.value = ex.query;
      setParams(ex.params);
      editor.focus();
    });
  });

  // ------------------------------------------------------------ running
  function runOnCtrlEnter(e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); }
  }
  editor.addEventListener("keydown", runOnCtrlEnter);
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  document.getElementById("cypher-add-param").addEventListener("click", () => addParam().querySelector(".k").focus());

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  async function run() {
    errorBox.hidden = true;
    const query = editor.value;
    let params;
    try { params = readParams(); } catch (e) { showError(e.message); return; }
    if (!query.trim()) return;
    remember(query, params);
    runBtn.disabled = true;
    const count = document.getElementById("cypher-count");
    count.textContent = T["cypher.running"];
    try {
      const r = await window.BGpost("/api/cypher", { query, params });
      const body = await r.json();
      if (!r.ok) { resultBox.hidden = true; showError(body.error || r.statusText); return; }
      last = { query, params };
      show(body, r.headers.get("X-BeltGraph-Truncated") === "1", r.headers.get("X-BeltGraph-Elapsed-Ms"));
    } catch (e) {
      showError(String(e));
    } finally {
      runBtn.disabled = false;
    }
  }

  // ------------------------------------------------------------ results
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const isPath = (v) => isObj(v) && Array.isArray(v.nodes) && Array.isArray(v.rels);
  const isNode = (v) => isObj(v) && "_label" in v;
  const isRel = (v) => isObj(v) && "_type" in v;

  function propsText(v) {
    return Object.entries(v).filter(([k]) => !k.startsWith("_")).map(([k, x]) => k + ": " + (isObj(x) || Array.isArray(x) ? JSON.stringify(x) : x)).join(", ");
  }

  function cell(v) {
    const td = document.createElement("td");
    if (v === null || v === undefined) return td;
    if (typeof v === "number") { td.className = "num"; td.textContent = Number.isInteger(v) ? v.toLocaleString() : v.toLocaleString(undefined, { maximumFractionDigits: 4 }); return td; }
    if (typeof v === "boolean" || typeof v === "string") { td.textContent = String(v); return td; }
    if (isPath(v)) {
      td.textContent = v.nodes.map((n) => n.name || n.id).join(" → ");
      td.title = v.rels.map((r) => r._type).join(", ");
      return td;
    }
    if (isNode(v)) {
      const tag = document.createElement("span");
      tag.className = "tag cypher-node";
      tag.style.borderLeftColor = window.BGGraph.PALETTE.colors[v._label] || window.BGGraph.PALETTE.other;
      tag.textContent = (window.BGGraph.PALETTE.labels[v._label] || v._label);
      td.appendChild(tag);
      if (v.id !== undefined) {
        const a = document.createElement("a");
        a.href = "/explore?focus=" + encodeURIComponent(v.id) + "&x=" + encodeURIComponent(v.id + "|*|*|10");
        a.textContent = " " + (v.name || v.id);
        td.appendChild(a);
      }
      td.title = propsText(v);
      return td;
    }
    if (isRel(v)) {
      td.textContent = ":" + v._type;
      const rest = propsText(v);
      if (rest) { const s = document.createElement("small"); s.textContent = " " + rest; td.appendChild(s); }
      return td;
    }
    const code = document.createElement("code");
    code.textContent = JSON.stringify(v);
    td.appendChild(code);
    return td;
  }

  // The drawn nodes as files: /export runs the same read-only query (without parameters).
  function exportLinks(query, params) {
    const box = document.getElementById("cypher-export");
    box.hidden = Object.keys(params || {}).length > 0;
    box.querySelectorAll("a[data-format]").forEach((a) => {
      a.href = "/export?format=" + a.dataset.format + "&query=" + encodeURIComponent(query);
    });
  }

  function show(result, truncated, elapsed) {
    resultBox.hidden = false;
    if (last) exportLinks(last.query, last.params);
    document.getElementById("cypher-count").textContent = fmt("cypher.rows", { n: result.rows.length.toLocaleString(), ms: elapsed || "–" });
    const warn = document.getElementById("cypher-truncated");
    warn.hidden = !truncated;
    warn.textContent = truncated ? fmt("cypher.truncated", { n: result.rows.length.toLocaleString() }) : "";
    const table = document.getElementById("cypher-table");
    const head = document.createElement("tr");
    result.columns.forEach((c) => { const th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
    table.tHead.replaceChildren(head);
    const body = table.tBodies[0];
    body.replaceChildren();
    result.rows.forEach((row) => {
      const tr = document.createElement("tr");
      row.forEach((v) => tr.appendChild(cell(v)));
      body.appendChild(tr);
    });
    if (!result.rows.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = Math.max(1, result.columns.length);
      td.className = "muted";
      td.textContent = T["cypher.no_rows"];
      tr.appendChild(td);
      body.appendChild(tr);
    }
    // align number columns' headers with their cells
    result.columns.forEach((_, i) => {
      const nums = result.rows.filter((r) => typeof r[i] === "number").length;
      if (nums && nums === result.rows.filter((r) => r[i] !== null).length) head.children[i].className = "num";
    });
    drawGraph(result);
  }

  // Nodes and relationships anywhere in the rows. Ladybug and Neo4j give a relationship its
  // ends only inside a path; a bare one links the nearest nodes before and after it in the
  // row, pointed the way the model has its type.
  function orient(a, b, type) {
    const ends = DATA.schema[type] || [];
    if (ends.some((e) => e[0] === b.label && e[1] === a.label) && !ends.some((e) => e[0] === a.label && e[1] === b.label)) {
      return { from: b.id, to: a.id, type };
    }
    return { from: a.id, to: b.id, type };
  }

  function graphOf(result) {
    const nodes = new Map(), rels = [];
    let cut = false;
    const addNode = (n) => {
      if (n.id === undefined || nodes.has(n.id)) return;
      if (nodes.size >= GRAPH_MAX) { cut = true; return; }
      const props = {};
      Object.entries(n).filter(([k]) => !k.startsWith("_") && k !== "id" && k !== "name").slice(0, 6)
        .forEach(([k, v]) => { props[k] = isObj(v) || Array.isArray(v) ? JSON.stringify(v) : v; });
      nodes.set(n.id, { id: n.id, label: n._label, name: n.name || String(n.id), category: n.category, props });
    };
    const addRel = (r) => { if (r._from !== undefined && r._to !== undefined) rels.push({ from: r._from, to: r._to, type: r._type }); };
    const visit = (v, seq) => {
      if (isPath(v)) { v.nodes.forEach(addNode); v.rels.forEach(addRel); return; }
      if (isNode(v)) { addNode(v); if (seq) seq.push({ node: { id: v.id, label: v._label } }); return; }
      if (isRel(v)) { if (v._from !== undefined) addRel(v); else if (seq) seq.push({ rel: v._type }); return; }
      if (Array.isArray(v)) v.forEach((x) => visit(x, null));
      else if (isObj(v)) Object.values(v).forEach((x) => visit(x, null));
    };
    result.rows.forEach((row) => {
      const seq = [];
      row.forEach((v) => visit(v, seq));
      seq.forEach((s, i) => {
        if (!s.rel) return;
        let a = null, b = null;
        for (let j = i - 1; j >= 0 && !a; j--) if (seq[j].node) a = seq[j].node;
        for (let j = i + 1; j < seq.length && !b; j++) if (seq[j].node) b = seq[j].node;
        if (a && b) rels.push(orient(a, b, s.rel));
      });
    });
    return { nodes: [...nodes.values()], rels: rels.filter((r) => nodes.has(r.from) && nodes.has(r.to)), cut };
  }

  let drawn = null, drawing = 0;
  async function drawGraph(result) {
    const g = graphOf(result);
    const box = document.getElementById("cypher-graph-box");
    const mine = ++drawing;  // a newer result replaces this one, even while its layout is computed
    if (drawn) { drawn.network.destroy(); drawn = null; }
    box.hidden = g.nodes.length === 0;
    const container = document.getElementById("cypher-graph");
    container.dataset.nodes = String(g.nodes.length);
    container.dataset.rels = String(g.rels.length);
    if (!g.nodes.length) return;
    window.BGGraph.legend(document.getElementById("cypher-legend"), g);
    const cut = document.getElementById("cypher-graph-cut");
    cut.hidden = !g.cut;
    cut.textContent = g.cut ? fmt("cypher.graph_cut", { n: GRAPH_MAX }) : "";
    let made;
    try {  // laid out once (by the server above a few hundred nodes), then physics off
      made = await window.BGGraph.drawLaidOut(container, g, {
        onClick: (id) => { window.location.href = "/explore?focus=" + encodeURIComponent(id) + "&x=" + encodeURIComponent(id + "|*|*|10"); },
      });
    } catch (e) {
      if (mine === drawing) { errorBox.hidden = false; errorBox.textContent = String(e.message || e); }
      return;
    }
    if (mine !== drawing) { made.network.destroy(); return; }
    drawn = made;
  }

  // ------------------------------------------------------------ downloads
  document.querySelectorAll("#cypher-result button[data-format]").forEach((b) => {
    b.addEventListener("click", () => {
      if (!last) return;
      const f = document.createElement("form");
      f.method = "post";
      f.action = form.action;
      f.hidden = true;
      [["query", last.query], ["params", JSON.stringify(last.params)], ["format", b.dataset.format]].forEach(([k, v]) => {
        const input = document.createElement("input");
        input.type = "hidden"; input.name = k; input.value = v;
        f.appendChild(input);
      });
      document.body.appendChild(f);
      f.submit();
      f.remove();
    });
  });

  window.BGCypher = { graphOf, run };
  setParams(DATA.params);
  showHistory();
  if (editor.value.trim()) run();
})();
