// Filter forms marked data-autosubmit: a changed select reloads the page with it. Selects that share
// data-one-of="group" are alternatives (a ranking pool is one division, category or belt): choosing
// one clears the others. Empty fields are left out of the address.
(function () {
  "use strict";
  function submit(form) {
    form.querySelectorAll("select, input").forEach((el) => { if (el.name && !el.value) el.disabled = true; });
    form.submit();
  }
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    form.querySelectorAll("select").forEach((sel) => {
      sel.addEventListener("change", () => {
        const group = sel.dataset.oneOf;
        if (group && sel.value) {
          form.querySelectorAll(`select[data-one-of="${group}"]`).forEach((o) => { if (o !== sel) o.value = ""; });
        }
        submit(form);
      });
    });
    form.addEventListener("submit", (e) => { e.preventDefault(); submit(form); });
  });
  // Back/forward restores a page whose fields were disabled on leaving: enable them again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-autosubmit] [disabled]").forEach((el) => { el.disabled = false; });
  });
})();
