/* clerk-integrations: the static bootstrap of clerk_core.ui. It waits for ClerkJS, calls
   Clerk.load() with the options of the JSON data block marked data-clerk-load, then mounts each
   component a helper placed: a JSON data block marked data-clerk-props, followed by its element
   marked data-clerk-mount="SignIn" (or another component). It never evaluates page data as code. */
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
