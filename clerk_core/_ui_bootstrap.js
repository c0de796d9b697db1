/* clerk-integrations: the static bootstrap of clerk_core.ui. It waits for ClerkJS, calls
   Clerk.load() with the options of the JSON data block marked data-clerk-load, then mounts each
   component a helper placed: a JSON data block marked data-clerk-props, followed by its element
   marked data-clerk-mount="SignIn" (or another component). Forms marked data-clerk-reverify are
   sent with fetch through ClerkIntegrations.withReverification: when the server answers Clerk's
   reverification hint, Clerk's prompt opens and the request is sent again once the user verified.
   It never evaluates page data as code. */
(function () {
  "use strict";
  if (window.__clerkIntegrationsBootstrap) { return; }
  window.__clerkIntegrationsBootstrap = true;
  function readJSON(node) {
    try { return node ? JSON.parse(node.textContent || "{}") : {}; } catch (e) { return {}; }
  }
  function domReady() {
    return new Promise(function (resolve) {
      if (document.readyState !== "loading") { resolve(); return; }
      document.addEventListener("DOMContentLoaded", function () { resolve(); });
    });
  }
  function clerkReady() {
    return new Promise(function (resolve, reject) {
      if (window.Clerk && window.Clerk.load) { resolve(window.Clerk); return; }
      var tag = document.querySelector("script[data-clerk-js-script]");
      if (!tag) { reject(new Error("clerk_js() is missing from the page")); return; }
      tag.addEventListener("load", function () { resolve(window.Clerk); });
      tag.addEventListener("error", function () { reject(new Error("ClerkJS failed to load")); });
    });
  }
  function isReverificationHint(body) {
    var error = body && typeof body === "object" ? body.clerk_error : null;
    return !!(error && error.type === "forbidden" && error.reason === "reverification-error");
  }
  function bodyOf(response) {
    return response.clone().json().catch(function () { return null; });
  }
  /* Like useReverification() of Clerk's React SDKs: fetcher returns a fetch Response; on the hint,
     Clerk's reverification prompt opens, then the fetcher runs again. Cancelling rejects with an
     error whose code is "reverification_cancelled". */
  function withReverification(fetcher) {
    return function () {
      var args = arguments;
      return Promise.resolve(fetcher.apply(null, args)).then(function (response) {
        if (!response || response.status !== 403) { return response; }
        return bodyOf(response).then(function (body) {
          if (!isReverificationHint(body)) { return response; }
          var clerk = window.Clerk;
          if (!clerk || typeof clerk.__internal_openReverification !== "function") {
            throw new Error("this ClerkJS cannot open the reverification prompt");
          }
          var wanted = body.clerk_error.metadata && body.clerk_error.metadata.reverification;
          return new Promise(function (resolve, reject) {
            clerk.__internal_openReverification({
              level: wanted && wanted.level,
              afterVerification: function () { resolve(); },
              afterVerificationCancelled: function () {
                var error = new Error("User cancelled attempted verification");
                error.code = "reverification_cancelled";
                reject(error);
              }
            });
          }).then(function () { return fetcher.apply(null, args); });
        });
      });
    };
  }
  window.ClerkIntegrations = window.ClerkIntegrations || {};
  window.ClerkIntegrations.withReverification = withReverification;
  function bindReverifyForm(form) {
    if (form.__clerkBound) { return; }
    form.__clerkBound = true;
    var output = form.querySelector("[data-clerk-reverify-result]");
    function show(state, text) {
      form.setAttribute("data-clerk-reverify-state", state);
      if (output) { output.textContent = text; }
    }
    var send = withReverification(function () {
      return fetch(form.getAttribute("action") || window.location.href, { method: "POST",
        body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
        headers: { accept: "application/json" } });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show("pending", "");
      send().then(function (response) {
        return bodyOf(response).then(function (body) {
          var message = body && typeof body.message === "string" ? body.message
            : response.status + " " + response.statusText;
          show(response.ok ? "done" : "failed", message);
        });
      }).catch(function (error) {
        show(error && error.code === "reverification_cancelled" ? "cancelled" : "failed",
          error && error.code === "reverification_cancelled" ? "Verification cancelled." : String(error));
      });
    });
  }
  function mountAll(clerk) {
    var nodes = document.querySelectorAll("script[data-clerk-props]");
    Array.prototype.forEach.call(nodes, function (node) {
      var target = node.nextElementSibling;
      if (!target || !target.hasAttribute("data-clerk-mount") || target.__clerkMounted) { return; }
      var method = clerk["mount" + target.getAttribute("data-clerk-mount")];
      if (typeof method !== "function") { return; }
      target.__clerkMounted = true;
      method.call(clerk, target, readJSON(node));
    });
    var buttons = document.querySelectorAll("button[data-clerk-sign-out]");
    Array.prototype.forEach.call(buttons, function (button) {
      if (button.__clerkBound) { return; }
      button.__clerkBound = true;
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var options = readJSON(button.previousElementSibling);
        clerk.signOut(options);
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-clerk-reverify]"), bindReverifyForm);
    document.documentElement.setAttribute("data-clerk-loaded", "true");
  }
  Promise.all([clerkReady(), domReady()]).then(function (values) {
    var clerk = values[0];
    var options = readJSON(document.querySelector("script[data-clerk-load]"));
    return Promise.resolve(clerk.loaded ? null : clerk.load(options)).then(function () {
      mountAll(clerk);
    });
  }).catch(function (error) {
    if (window.console) { window.console.error("Clerk:", error); }
  });
})();
