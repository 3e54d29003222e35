// Starts Swagger UI on the API reference page (app/api/docs.py).
//
// A file of its own, not an inline <script>: the page's Content-Security-Policy
// allows scripts from 'self' only. The spec's URL comes from the page (a data
// attribute), so nothing here is hard-coded to a prefix.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // A closed network: never ask validator.swagger.io to validate the spec.
    validatorUrl: null,
    // The spec's bearerAuth scheme gives the "Authorize" dialog; the token typed
    // there goes as "Authorization: Bearer …" on each "Try it out" request. It is
    // kept in the page's memory only, not in localStorage, so it ends with the tab.
    persistAuthorization: false,
    // Never read ?url= / ?configUrl= from the address: a crafted link could make
    // the page load another spec and send the user's token wherever it points.
    queryConfigEnabled: false,
    displayRequestDuration: true,
  });
})();
