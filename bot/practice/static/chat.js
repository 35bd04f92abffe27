// The practice chat: one person's chat with the bot, drawn from /practice/api/chat/<id>; what is typed,
// pressed or shared goes back to the bot as that person's update. Plain JS, nothing loaded from elsewhere.
"use strict";

const TEXTS = {
  vi: {who: "Quý vị đang là", lang: "Ngôn ngữ", send: "Gửi", message: "Nhập tin nhắn…",
       delegate: "Đại biểu", staff: "Lễ tân", organizer: "Ban Tổ chức",
       hint: {delegate: "Gõ /start để bắt đầu đăng ký.", staff: "Gõ /desk để mở trang lễ tân.",
              organizer: "Gõ /help để xem các lệnh của Ban Tổ chức; /dashboard mở bảng theo dõi."},
       file: "Tải về", attach: "Gửi ảnh hoặc tệp (ảnh mã QR cho lễ tân, danh sách cho /import)"},
  en: {who: "You are", lang: "Language", send: "Send", message: "Type a message…",
       delegate: "Delegate", staff: "Reception", organizer: "Organizer",
       hint: {delegate: "Type /start to register.", staff: "Type /desk to open the reception desk page.",
              organizer: "Type /help for the organizers' commands; /dashboard opens the dashboard."},
       file: "Download", attach: "Send a photo or a file (a QR code's photo to reception, a list to /import)"},
};
const ALLOWED = {B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", STRIKE: "s", DEL: "s",
                 CODE: "code", PRE: "pre", BLOCKQUOTE: "blockquote", A: "a", "TG-SPOILER": "span", SPAN: "span"};
const $ = (selector) => document.querySelector(selector);
let people = [], current = null, version = -1, poll = null;
let lang = new URLSearchParams(location.search).get("lang") || localStorage.getItem("practice-lang") || (navigator.language || "vi").slice(0, 2);
if (!TEXTS[lang]) lang = "vi";

function t(key) { return TEXTS[lang][key]; }

const URL_IN_TEXT = /(https?:\/\/[^\s<>"]+)/g;

function linked(text, inLink) {
  // plain addresses become links, as Telegram's apps show them
  if (inLink) return [text];
  return text.split(URL_IN_TEXT).map((part, index) => {
    if (index % 2 === 0) return part;
    const link = document.createElement("a");
    link.href = part; link.target = "_blank"; link.rel = "noopener";
    link.textContent = part;
    return link;
  });
}

function safe(source) {
  // the bot's HTML (Telegram's subset) as DOM nodes: known tags kept, everything else as text
  const parsed = new DOMParser().parseFromString(`<div>${source || ""}</div>`, "text/html").body.firstChild;
  const out = document.createDocumentFragment();
  const copy = (from, to, inLink) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) { to.append(...linked(node.textContent, inLink)); continue; }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = ALLOWED[node.tagName];
      if (!tag) { copy(node, to, inLink); continue; }
      const element = document.createElement(tag);
      if (tag === "a") {
        const href = node.getAttribute("href") || "";
        if (/^(https?:|tg:|mailto:|tel:)/i.test(href)) { element.href = href; element.target = "_blank"; element.rel = "noopener"; }
      }
      if (node.tagName === "TG-SPOILER" || node.classList.contains("tg-spoiler")) {
        element.className = "spoiler";
        element.onclick = () => element.classList.add("open");
      }
      copy(node, element, inLink || tag === "a");
      to.append(element);
    }
  };
  copy(parsed, out, false);
  return out;
}

async function post(action, body) {
  const response = await fetch(`/practice/api/chat/${current}/${action}`, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({...body, lang})});
  return response.ok;
}

function buttonsOf(rows, make) {
  const box = document.createElement("div");
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) line.append(make(button));
    box.append(line);
  }
  return box;
}

function inlineButton(message, button) {
  const element = document.createElement(button.url ? "a" : "button");
  element.textContent = button.text;
  if (button.url) {
    element.href = button.url; element.target = "_blank"; element.rel = "noopener";
    element.className = "link";
  } else {
    element.type = "button";
    element.onclick = () => post("press", {message_id: message.message_id, data: button.callback_data});
  }
  return element;
}

function drawMessage(message) {
  const bubble = document.createElement("div");
  bubble.className = `msg ${message.from}`;
  bubble.dataset.id = message.message_id;
  if (message.kind === "photo") {
    const image = document.createElement("img");
    image.src = `/practice/file/${message.file}`;
    image.alt = message.file_name || "";
    bubble.append(image);
  } else if (message.kind === "document") {
    const link = document.createElement("a");
    link.className = "doc";
    link.href = `/practice/file/${message.file}`;
    link.download = message.file_name || "";
    link.textContent = `📄 ${message.file_name} · ${t("file")}`;
    bubble.append(link, document.createElement("br"));
  }
  bubble.append(safe(message.html));
  if (message.edited) {
    const mark = document.createElement("span");
    mark.className = "edited";
    mark.textContent = lang === "vi" ? "đã sửa" : "edited";
    bubble.append(mark);
  }
  if (message.buttons) {
    const box = buttonsOf(message.buttons, (button) => inlineButton(message, button));
    box.className = "inline";
    bubble.append(box);
  }
  return bubble;
}

function replyButton(button) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = button.text;
  element.onclick = () => (button.request_contact ? post("contact", {}) : post("text", {text: button.text}));
  return element;
}

let shownNotices = 0;
function draw(chat) {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.replaceChildren(...chat.messages.map(drawMessage));
  if (atBottom || version === -1) box.scrollTop = box.scrollHeight;
  $("#keyboard").replaceChildren(...(chat.keyboard ? [...buttonsOf(chat.keyboard, replyButton).children] : []));
  if (chat.notices.length && chat.notices.join("\n") !== shownNotices) {
    if (shownNotices !== 0) toast(chat.notices[chat.notices.length - 1]);
    shownNotices = chat.notices.join("\n");
  }
  document.body.dataset.version = chat.version;
}

function toast(text) {
  const element = $("#toast");
  element.textContent = text;
  element.hidden = false;
  clearTimeout(element.timer);
  element.timer = setTimeout(() => { element.hidden = true; }, 3000);
}

async function follow(id) {
  const mine = poll = {};
  version = -1;
  shownNotices = 0;
  while (poll === mine) {
    try {
      const response = await fetch(`/practice/api/chat/${id}?since=${version}`);
      if (poll !== mine) return;
      const chat = await response.json();
      draw(chat);
      version = chat.version;
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function labels() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((element) => { element.textContent = t(element.dataset.t); });
  $("#text").placeholder = t("message");
  $("#attach-label").title = t("attach");
  $("#lang").value = lang;
  $("#who").replaceChildren(...people.map((person) => {
    const option = document.createElement("option");
    option.value = person.id;
    option.textContent = `${t(person.role)}: ${person.name}`;
    return option;
  }));
  if (current) $("#who").value = current;
  const person = people.find((p) => String(p.id) === String(current));
  $("#role-hint").textContent = person ? t("hint")[person.role] : "";
}

function choose(id) {
  current = String(id);
  localStorage.setItem("practice-who", current);
  labels();
  follow(current);
}

async function start() {
  people = await (await fetch("/practice/api/people")).json();
  const asked = new URLSearchParams(location.search).get("as") || localStorage.getItem("practice-who");
  const first = people.find((p) => String(p.id) === asked) || people[0];
  $("#who").onchange = (event) => choose(event.target.value);
  $("#lang").onchange = (event) => { lang = event.target.value; localStorage.setItem("practice-lang", lang); labels(); };
  $("#composer").onsubmit = async (event) => {
    event.preventDefault();
    const text = $("#text").value;
    if (!text.trim()) return;
    $("#text").value = "";
    await post("text", {text});
  };
  $("#attach").onchange = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    form.append("caption", $("#text").value);
    $("#text").value = "";
    event.target.value = "";
    await fetch(`/practice/api/chat/${current}/attach`, {method: "POST", body: form});
  };
  choose(first.id);
  document.body.dataset.ready = "1";
}

start();
