// Shared by the desk page and the dashboard: the page's language (Vietnamese first, English on a
// click, remembered on this computer), its texts from window.TEXTS, DOM building that never parses
// data as HTML, and requests that carry the session's CSRF token.
"use strict";

const Page = (() => {
  let lang = localStorage.getItem("page-lang") === "en" ? "en" : "vi";
  const listeners = [];
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function t(key, values) {
    let s = (window.TEXTS[lang] || {})[key] || window.TEXTS.vi[key] || key;
    for (const [name, value] of Object.entries(values || {})) s = s.split("{" + name + "}").join(String(value));
    return s;
  }

  function pick(pair) {
    return pair ? (pair[lang] || pair.vi || "") : "";
  }

  function apply() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
    document.querySelectorAll("[data-t-placeholder]").forEach((node) => { node.placeholder = t(node.dataset.tPlaceholder); });
    listeners.forEach((listener) => listener(lang));
  }

  function toggle() {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("page-lang", lang);
    apply();
  }

  // el("li", {class: "x"}, "text", child): strings become text nodes, so names are shown, not parsed
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "data") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== undefined && child !== null && child !== false) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json"},
      body: JSON.stringify(body),
    });
  }

  function get(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("lang");
    if (button) button.addEventListener("click", toggle);
    apply();
  });

  return {t, pick, apply, el, post, get, onLanguage: (listener) => listeners.push(listener), get lang() { return lang; }};
})();
