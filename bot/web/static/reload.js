// A page drawn on the server that must stay current (the MC's list): reloaded every data-reload seconds.
"use strict";
(() => {
  const seconds = Number(document.querySelector("[data-reload]")?.dataset.reload || 0);
  if (seconds > 0) setTimeout(() => window.location.reload(), seconds * 1000);
})();
