// Loading a bundle (/admin/load): refuse a file over the limit before sending it, and say that
// the upload is under way (the form posts normally; the page that comes back has the result).
(function () {
  "use strict";
  const form = document.getElementById("load-form");
  if (!form) return;
  const status = document.getElementById("load-status");
  form.addEventListener("submit", (e) => {
    const file = form.querySelector("input[type=file]").files[0];
    if (file && file.size > Number(form.dataset.maxBytes)) {
      e.preventDefault();
      status.textContent = status.dataset.tooBig;
      status.classList.add("bad");
      return;
    }
    status.classList.remove("bad");
    status.textContent = status.dataset.uploading;
    form.querySelector("button[type=submit]").disabled = true;
  });
  window.addEventListener("pageshow", () => { form.querySelector("button[type=submit]").disabled = false; });
})();
