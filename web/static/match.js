// Matching: an id typed into the picker without using its list counts as picked.
(function () {
  "use strict";
  const form = document.getElementById("match-form");
  if (!form) return;
  form.addEventListener("submit", () => {
    const box = form.querySelector("input[data-suggest][data-target]");
    const hidden = form.querySelector(`input[name="${box.dataset.target}"]`);
    if (!hidden.value && box.value.trim()) hidden.value = box.value.trim();
  });
})();
