// Swagger UI on the API's own OpenAPI description, from the assets this server ships.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#api-docs",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
