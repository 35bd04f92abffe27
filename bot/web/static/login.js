// The login link's page sends its one-time token by POST at once: the person sees the desk without a
// click, while link previews (which fetch but run no scripts) never use the link up.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  if (!form) return;
  document.getElementById("opening").hidden = false;
  form.submit();
});
