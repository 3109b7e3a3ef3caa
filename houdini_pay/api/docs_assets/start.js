// Starts Swagger UI on the API's schema (/docs). A file of its own, not an inline script,
// so the page's Content-Security-Policy needs no 'unsafe-inline' for scripts.
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.schema,
  domNode: root,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // Never send the schema to the public validator: the page works offline and private.
  validatorUrl: null,
});
