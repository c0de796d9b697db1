/* A stand-in for ClerkJS, served by the local Clerk instance (clerk_core.testing.frontend) at
   ClerkJS's own script path. Same global, same mount API, no real authentication: its sign-in lists
   the local test users and signs one in through the local instance's sign-in endpoint; its
   reverification prompt (__internal_openReverification, as ClerkJS's useReverification() opens it)
   re-verifies the signed-in test user through the local instance's reverify endpoint. */
(function () {
  "use strict";
  if (window.Clerk) { return; }
  var script = document.currentScript;
  var src = script ? script.src : "";
  var base = src.indexOf("/npm/@clerk/") >= 0 ? src.slice(0, src.indexOf("/npm/@clerk/")) : "/__clerk";
  var state = null;
  var loadOptions = {};
  var listeners = [];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function note(text) { return el("p", { "class": "cl-local-note", text: text }); }
  function queryRedirect() {
    try { return new URLSearchParams(window.location.search).get("redirect_url"); } catch (e) { return null; }
  }
  function afterAuthUrl(props, kind) {
    var force = kind === "signUp" ? "signUpForceRedirectUrl" : "signInForceRedirectUrl";
    var fallback = kind === "signUp" ? "signUpFallbackRedirectUrl" : "signInFallbackRedirectUrl";
    return props.forceRedirectUrl || loadOptions[force] || queryRedirect() || props.redirectUrl ||
      props.fallbackRedirectUrl || loadOptions[fallback] || "/";
  }
  function signInAs(userId, redirectUrl) {
    var form = el("form", { method: "post", action: state.signInPath, style: "display:none" }, [
      el("input", { type: "hidden", name: "user_id", value: userId }),
      el("input", { type: "hidden", name: "redirect_url", value: redirectUrl })
    ]);
    document.body.appendChild(form);
    form.submit();
  }
  function userList(props, kind) {
    var list = el("ul", { "class": "cl-local-users" });
    state.users.forEach(function (user) {
      var role = user.orgRole ? user.orgRole + " in " + user.orgSlug : "no organization";
      var button = el("button", { type: "button", "data-user": user.id,
        text: (kind === "signUp" ? "Sign up as " : "Sign in as ") + user.name });
      button.addEventListener("click", function () { signInAs(user.id, afterAuthUrl(props, kind)); });
      list.appendChild(el("li", {}, [button, document.createTextNode(" "),
        el("small", { text: user.email + " (" + role + ")" })]));
    });
    return list;
  }
  function card(kind, title, body) {
    return el("div", { "class": "cl-local-card cl-" + kind, "data-clerk-component": kind,
      style: "border:1px solid #d0d7de;border-radius:8px;padding:.8em 1em;margin:.5em 0" },
      [el("strong", { text: title })].concat(body));
  }
  function currentUser() { return state && state.user; }

  var components = {
    SignIn: function (node, props) {
      var user = currentUser();
      node.appendChild(card("SignIn", "Sign in (local test users)", [
        user ? note("Signed in as " + user.name + ".") : null, userList(props, "signIn")]));
    },
    SignUp: function (node, props) {
      node.appendChild(card("SignUp", "Sign up (local test users)", [
        note("The local instance has test users only: pick one."), userList(props, "signUp")]));
    },
    UserButton: function (node, props) {
      var user = currentUser();
      if (!user) { return; }
      var out = el("button", { type: "button", "class": "cl-userButton-signOut", text: "Sign out" });
      out.addEventListener("click", function () {
        window.Clerk.signOut({ redirectUrl: props.afterSignOutUrl || loadOptions.afterSignOutUrl || "/" });
      });
      node.appendChild(el("span", { "class": "cl-userButton", "data-clerk-component": "UserButton" }, [
        el("span", { "class": "cl-userButton-name", text: user.name + " " }), out]));
    },
    UserProfile: function (node) {
      var user = currentUser();
      node.appendChild(card("UserProfile", "Profile", user
        ? [el("p", { text: user.name + " <" + user.email + ">" }), el("p", { text: "User id: " + user.id })]
        : [note("Signed out.")]));
    },
    OrganizationSwitcher: function (node) {
      var user = currentUser();
      var text = user && user.orgId ? (user.orgSlug + " (" + user.orgRole + ")") : "Personal account";
      node.appendChild(el("span", { "class": "cl-organizationSwitcher",
        "data-clerk-component": "OrganizationSwitcher", text: text }));
    },
    OrganizationProfile: function (node) {
      var user = currentUser();
      node.appendChild(card("OrganizationProfile", "Organization", user && user.orgId
        ? [el("p", { text: user.orgSlug + " (" + user.orgId + "), your role: " + user.orgRole })]
        : [note("No active organization.")]));
    },
    CreateOrganization: function (node) {
      node.appendChild(card("CreateOrganization", "Create organization",
        [note("The local instance cannot create organizations.")]));
    }
  };

  var reverification = null;
  function closeReverification() {
    if (reverification && reverification.parentNode) { reverification.parentNode.removeChild(reverification); }
    reverification = null;
  }
  function openReverification(props) {
    props = props || {};
    if (!currentUser()) { throw new Error("Clerk: the reverification prompt needs a signed-in user"); }
    closeReverification();
    var status = el("p", { "class": "cl-local-note", role: "status" });
    var cont = el("button", { type: "button", "class": "cl-reverification-continue", text: "Continue" });
    var cancel = el("button", { type: "button", "class": "cl-reverification-cancel", text: "Cancel" });
    var title = el("h2", { id: "cl-reverification-title", text: "Verify it's you" });
    var dialog = el("div", { "class": "cl-local-card cl-userVerification", role: "dialog",
      "aria-modal": "true", "aria-labelledby": "cl-reverification-title",
      "data-clerk-component": "UserVerification",
      style: "background:#fff;border-radius:8px;padding:1em 1.2em;max-width:26rem;margin:15vh auto" }, [
      title,
      el("p", { text: "To continue, confirm it is you, " + currentUser().name + ". " +
        "(Local test instance: no code is asked; Clerk asks for a password, a code or a passkey.)" }),
      status, cont, document.createTextNode(" "), cancel]);
    var overlay = el("div", { "class": "cl-modalBackdrop",
      style: "position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:2147483000" }, [dialog]);
    cont.addEventListener("click", function () {
      cont.disabled = true;
      status.textContent = "Verifying...";
      fetch(base + "/v1/local/reverify", { method: "POST", credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("the local instance refused (" + response.status + ")"); }
          closeReverification();
          if (typeof props.afterVerification === "function") { props.afterVerification(); }
        })
        .catch(function (error) {
          cont.disabled = false;
          status.textContent = "Verification failed: " + error.message;
        });
    });
    cancel.addEventListener("click", function () {
      closeReverification();
      if (typeof props.afterVerificationCancelled === "function") { props.afterVerificationCancelled(); }
    });
    reverification = overlay;
    document.body.appendChild(overlay);
    cont.focus();
  }

  var clerk = {
    version: "local",
    loaded: false,
    isStandIn: true,
    user: null,
    session: null,
    organization: null,
    load: function (options) {
      loadOptions = options || {};
      return fetch(base + "/v1/local/client", { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          state = data;
          var user = data.user;
          clerk.user = user ? { id: user.id, fullName: user.name,
            primaryEmailAddress: { emailAddress: user.email } } : null;
          clerk.session = user ? { id: data.sessionId, user: clerk.user } : null;
          clerk.organization = user && user.orgId ? { id: user.orgId, slug: user.orgSlug } : null;
          clerk.loaded = true;
          listeners.forEach(function (fn) { fn({ user: clerk.user, session: clerk.session }); });
        });
    },
    addListener: function (fn) { listeners.push(fn); return function () {}; },
    signOut: function (options, maybe) {
      var opts = typeof options === "function" ? (maybe || {}) : (options || {});
      var target = opts.redirectUrl || loadOptions.afterSignOutUrl || "/";
      window.location.assign(state.signOutPath + "?redirect_url=" + encodeURIComponent(target));
      return Promise.resolve();
    },
    redirectToSignIn: function (opts) {
      var target = (opts && (opts.signInForceRedirectUrl || opts.redirectUrl)) || window.location.href;
      window.location.assign((loadOptions.signInUrl || state.signInPath) + "?redirect_url=" + encodeURIComponent(target));
      return Promise.resolve();
    },
    redirectToSignUp: function (opts) { return clerk.redirectToSignIn(opts); }
  };
  Object.keys(components).forEach(function (name) {
    clerk["mount" + name] = function (node, props) {
      if (!clerk.loaded) { throw new Error("Clerk: call Clerk.load() before mounting " + name); }
      clear(node);
      components[name](node, props || {});
    };
    clerk["unmount" + name] = function (node) { clear(node); };
  });
  clerk.openSignIn = function (props) { clerk.redirectToSignIn(props); };
  clerk.openSignUp = function (props) { clerk.redirectToSignIn(props); };
  clerk.__internal_openReverification = openReverification;
  clerk.__internal_closeReverification = closeReverification;
  window.Clerk = clerk;
})();
