// BeltGraph pages: entity pickers with autocomplete. Names are data: set as text, never as HTML.
(function () {
  "use strict";
  function debounce(fn, ms) { let t; return function () { clearTimeout(t); const a = arguments; t = setTimeout(() => fn.apply(null, a), ms); }; }

  // <input data-suggest> suggests entities from /api/suggest; with data-target="name" the chosen
  // id goes into the hidden input of that name (a picker) and the box shows the name; without it
  // choosing opens the entity's profile.
  function attach(input) {
    const box = document.createElement("div");
    box.className = "suggest";
    box.hidden = true;
    input.parentNode.style.position = "relative";
    input.parentNode.appendChild(box);
    let items = [], on = -1;
    const target = input.dataset.target ? input.form.querySelector(`input[name="${input.dataset.target}"]`) : null;
    function choose(it) {
      box.hidden = true;
      if (target) { target.value = it.id; input.value = it.name; input.dispatchEvent(new Event("picked")); }
      else { window.location.href = (it.label === "Belt" ? "/belts/" : "/nodes/") + encodeURIComponent(it.id); }
    }
    function show() {
      box.replaceChildren();
      items.forEach((it, i) => {
        const row = document.createElement("div");
        row.textContent = it.name;
        const small = document.createElement("small");
        small.textContent = (it.label_name || it.label) + " · " + it.id;
        row.appendChild(small);
        if (i === on) row.className = "on";
        row.addEventListener("mousedown", (e) => { e.preventDefault(); choose(it); });
        box.appendChild(row);
      });
      box.hidden = items.length === 0;
    }
    const ask = debounce(async () => {
      const q = input.value.trim();
      if (!q) { items = []; show(); return; }
      try {
        const r = await fetch("/api/suggest?q=" + encodeURIComponent(q));
        if (!r.ok) return;
        items = (await r.json()).items || [];
        on = -1; show();
      } catch (e) { /* offline or server gone: no suggestions */ }
    }, 120);
    input.addEventListener("input", () => { if (target) target.value = ""; ask(); });
    input.addEventListener("keydown", (e) => {
      if (box.hidden) return;
      if (e.key === "ArrowDown") { on = Math.min(items.length - 1, on + 1); show(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { on = Math.max(0, on - 1); show(); e.preventDefault(); }
      else if (e.key === "Enter" && on >= 0) { choose(items[on]); e.preventDefault(); }
      else if (e.key === "Escape") { box.hidden = true; }
    });
    input.addEventListener("blur", () => setTimeout(() => { box.hidden = true; }, 150));
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);
  window.BGSuggest = attach;

  // POSTs from page scripts carry the page's CSRF token (<meta name="csrf-token">) in X-CSRFToken.
  // Both return fetch's promise of the Response: check r.ok / r.status, then r.json().
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  window.BGpost = function (url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                       headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()}});
  };
  window.BGpostForm = function (url, formData) {  // multipart (an upload): the browser sets the boundary
    return fetch(url, {method: "POST", credentials: "same-origin", body: formData,
                       headers: {"Accept": "application/json", "X-CSRFToken": csrfToken()}});
  };
})();
