// The API docs page: Swagger UI from the swagger-ui-bundle package, reading /api/openapi.json.
window.addEventListener("load", function () {
  "use strict";
  const el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.spec, dom_id: "#swagger-ui", deepLinking: true,
                           validatorUrl: null, tryItOutEnabled: true });
});
