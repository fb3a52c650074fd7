// ReDoc on the API's own OpenAPI description, from the assets this server ships.
Redoc.init("/openapi.json", {}, document.getElementById("api-docs"));
