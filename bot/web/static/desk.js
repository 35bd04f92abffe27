// The reception desk: three ways in (camera, handheld scanner field, search), one result area.
// Every scan goes into the queue first and is sent from there, online or not, so there is one path:
// when the Wi-Fi drops the scans wait (shown as pending) and go out in order when it returns. A QR that
// is no check-in code (a link, a Wi-Fi sign) is refused at once, here. Each scan carries the login that
// made it: a refused session's scans are sent by the next person only if they choose so.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const {t, pick, el} = Page;
  // the same token rule as bot/services/tickets.py: a bare token or the whole deep link
  const TOKEN = /(?:^|[^A-Za-z0-9_-])(t[A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/;
  // and its rule for what other QR codes hold (a link, Wi-Fi, a contact): never a name typed to search
  const FOREIGN = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\S|www\.\S|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+\/\S*)/;
  const RETRY_MS = 4000;
  const KEPT = 12;

  let setup = null;
  let list = null;
  let counts = {};
  let current = null;  // what the result area shows: {result} or {queued: item} or {sending: item}
  let undoable = null;  // the last scan's check-in, while it can still be taken back
  const recent = [];
  const synced = [];
  let pending = [];  // this login's scans not yet answered
  let held = [];  // scans another login left unsent here: they go only if the person now here says so
  let flushing = false;
  let again = false;
  let awaited = null;  // the id of the newest scan made here, whose fate the result area shows
  let newest = 0;  // its place in the queue: an answer to an older scan does not cover a newer one
  let online = true;
  let lostSession = false;

  // --- sounds: short beeps made here, so no audio files are needed -----------------------------
  let audio = null;

  function tone(freq, start, length, type) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type || "sine";
    osc.frequency.value = freq;
    const at = audio.currentTime + start;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + length + 0.02);
  }

  function sound(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (kind === "checked_in") { tone(880, 0, 0.12); tone(1320, 0.15, 0.18); }
      else if (kind === "already") { tone(520, 0, 0.22, "triangle"); tone(520, 0.32, 0.22, "triangle"); }
      else if (kind === "refused") tone(170, 0, 0.6, "square");
      else if (kind === "queued") tone(660, 0, 0.08);
    } catch (e) { /* no sound is better than no desk */ }
  }

  // --- names -----------------------------------------------------------------------------------
  function listName(code) {
    const found = setup && setup.lists.find((l) => l.code === code);
    return found ? pick(found.name) : code;
  }

  function label(item) {
    if (item.name) return item.name;
    const match = TOKEN.exec(item.text || "");
    return match ? t("code", {tail: match[1].slice(-4)}) : (item.text || "").slice(0, 24);
  }

  function heading(result) {
    return {checked_in: "✅ " + t("checked_in"), already: "⚠️ " + t("already"), refused: "❌ " + t("refused")}[result.outcome];
  }

  function summary(result, item) {
    const who = result.name || label(item);
    if (result.outcome === "refused") return `${who} — ${t("reason_" + result.reason)}`;
    const where = pick(result.province);
    const extra = result.outcome === "already" ? ` (${t("already_at", {time: result.time, staff: result.by})})` : "";
    return `${who}${where ? " — " + where : ""}${extra}`;
  }

  // --- the result area -------------------------------------------------------------------------
  function render() {
    const box = $("result");
    box.replaceChildren();
    if (!current) {
      box.className = "result idle";
      box.dataset.outcome = "idle";
      box.append(el("p", {class: "heading"}, t("waiting")));
    } else if (current.result) {
      const r = current.result;
      box.className = "result " + r.outcome;
      box.dataset.outcome = r.outcome;
      box.append(el("p", {class: "heading"}, heading(r)));
      if (r.outcome === "already") box.append(el("p", {class: "detail"}, t("already_at", {time: r.time, staff: r.by})));
      if (r.outcome === "refused") box.append(el("p", {class: "detail"}, t("reason_" + r.reason)));
      if (r.name) box.append(el("p", {class: "name"}, r.name));
      if (r.province || r.category) {
        box.append(el("p", {class: "meta"}, [pick(r.province), pick(r.category)].filter(Boolean).join(" · ")));
      }
      if (r.outcome === "checked_in") {
        box.append(el("p", {class: "detail"}, t(r.lodging ? "lodging_yes" : "lodging_no")));
        box.append(el("p", {class: "detail"}, t("hand_over", {items: pick(setup.hand_over)})));
      }
      box.append(el("p", {class: "where"}, listName(r.list)));
    } else {
      const waiting = current.queued ? "queued" : "sending";
      box.className = "result " + waiting;
      box.dataset.outcome = waiting;
      box.append(el("p", {class: "heading"}, current.queued ? "⏳ " + t("queued") : t("sending")));
      box.append(el("p", {class: "name"}, label(current.queued || current.sending)));
      if (current.queued) box.append(el("p", {class: "detail"}, t("queued_hint")));
    }
    $("undo").hidden = !undoable;
  }

  function show(state) {
    current = state;
    undoable = state && state.result && state.result.outcome === "checked_in" && state.result.checkin ? state.result : null;
    render();
  }

  function notice(key, values) {
    const line = $("notice");
    line.hidden = !key;
    line.textContent = key ? t(key, values) : "";
  }

  function entry({result, item, undone}) {
    const outcome = undone ? "undone" : result.outcome;  // taken back: no longer shown as checked in
    return el("li", {class: outcome, data: {outcome}},
      el("span", {class: "time"}, result.time || ""), " ", undone ? "↩️" : heading(result).split(" ")[0], " ",
      summary(result, item), undone ? ` (${t("undone_mark")})` : "");
  }

  function renderLogs() {
    $("recent").replaceChildren(...recent.map(entry));
    $("synced").replaceChildren(...synced.map(entry));
    $("synced-box").hidden = synced.length === 0;
    $("pending-list").replaceChildren(...pending.map((item) =>
      el("li", {class: "pending", data: {scan: item.id}}, "⏳ ", label(item), " — ", listName(item.list))));
    $("pending-box").hidden = pending.length === 0;
    const badge = $("pending");
    badge.hidden = pending.length === 0;
    badge.textContent = t("pending", {count: pending.length});
    renderHeld();
  }

  // --- scans another login left here ---------------------------------------------------------------
  // A refused session (expired, revoked) leaves its scans queued. Whoever logs in next on this computer
  // decides: they are sent under the new login's name, or discarded; never sent silently as theirs.
  const byThisLogin = (item) => item.by === setup.account;

  async function readQueue() {
    const all = await ScanQueue.all();
    pending = all.filter(byThisLogin);
    held = all.filter((item) => !byThisLogin(item));
  }

  function renderHeld() {
    const box = $("held-box");
    box.hidden = held.length === 0;
    if (box.hidden) return;
    const names = [...new Set(held.map((item) => item.by_name || "?"))].join(", ");
    box.replaceChildren(
      el("p", {class: "heading"}, t("held", {count: held.length, names, me: setup.me})),
      el("ul", {class: "log"}, held.map((item) => el("li", {class: "held", data: {scan: item.id}},
        "⏳ ", label(item), " — ", listName(item.list)))),
      el("button", {type: "button", id: "held-send", onclick: sendHeld}, t("held_send", {me: setup.me})), " ",
      el("button", {type: "button", id: "held-discard", onclick: discardHeld}, t("held_discard")));
  }

  async function sendHeld() {
    for (const item of held) await ScanQueue.put({...item, by: setup.account, by_name: setup.me});
    newest = 0;  // the answers to these older scans are what the person now waits for
    await readQueue();
    renderLogs();
    flush();
  }

  async function discardHeld() {
    if (!window.confirm(t("held_discard_confirm", {count: held.length}))) return;
    const count = held.length;
    for (const item of held) await ScanQueue.remove(item.id);
    await readQueue();
    renderLogs();
    notice("held_discarded", {count});
  }

  function renderCount() {
    const [checked, expected] = counts[list] || [0, 0];
    $("count").textContent = t("count", {checked, expected});
  }

  function setOnline(value) {
    online = value;
    const net = $("net");
    net.className = "net " + (value ? "online" : "offline");
    net.textContent = t(value ? "online" : "offline");
  }

  function sessionLost() {
    // the scans stay queued: the same person logged in again sends them; anyone else is asked first
    lostSession = true;
    notice("session_lost");
    setTimeout(() => location.reload(), 2500);
  }

  // --- the queue and its sending ----------------------------------------------------------------
  async function enqueue(fields) {
    const item = {id: ScanQueue.newId(), seq: ScanQueue.nextSeq(), list, at: Date.now(),
      by: setup.account, by_name: setup.me, ...fields};
    await ScanQueue.put(item);
    await readQueue();
    awaited = item.id;
    newest = item.seq;
    show({sending: item});
    renderLogs();
    flush();
  }

  async function flush() {
    if (flushing) { again = true; return; }
    flushing = true;
    try {
      for (;;) {
        const batch = (await ScanQueue.all()).filter(byThisLogin).slice(0, 100);
        if (batch.length === 0 || lostSession) break;
        let response;
        try {
          if (!navigator.onLine) throw new Error("offline");
          response = await Page.post("/desk/api/scans", {scans: batch.map((i) => ({
            id: i.id, text: i.text, delegate: i.delegate, list: i.list, age_ms: Date.now() - i.at}))});
        } catch (e) {
          response = null;
        }
        if (response && response.status === 401) { sessionLost(); break; }
        if (!response || !response.ok) {
          // unreachable (or a server error): keep everything, mark it as waiting, try again later
          setOnline(false);
          for (const item of batch) {
            if (!item.queued) { item.queued = true; await ScanQueue.put(item); }
          }
          const mine = batch.find((i) => i.id === awaited);
          if (mine) { awaited = null; show({queued: mine}); sound("queued"); }
          break;
        }
        setOnline(true);
        const data = await response.json();
        Object.assign(counts, data.counts);
        let last = null;
        for (const result of data.results) {
          const item = batch.find((i) => i.id === result.scan) || {};
          await ScanQueue.remove(result.scan);
          recent.unshift({result, item});
          if (item.queued) synced.unshift({result, item});
          last = {result, item};
        }
        recent.splice(KEPT);
        synced.splice(KEPT * 2);
        if (last && !(last.item.seq < newest)) {
          awaited = null;
          show({result: last.result});
          sound(last.result.outcome);
        }
        renderCount();
      }
    } finally {
      await readQueue();
      renderLogs();
      flushing = false;
      if (again) { again = false; flush(); }
    }
  }

  // --- the three inputs -------------------------------------------------------------------------
  function scanText(text) {
    notice(null);
    enqueue({text: text.trim()});
  }

  function notACode(text) {
    // another QR (a Zalo group's sign, a Wi-Fi code): refused here and now, so the last delegate's green
    // answer does not stay on screen as if this scan were theirs
    notice(null);
    const now = new Date();
    const time = `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
    const result = {outcome: "refused", reason: "not_a_code", list, time};
    awaited = null;
    newest = ScanQueue.nextSeq();
    recent.unshift({result, item: {text: text.trim()}});
    recent.splice(KEPT);
    show({result});
    sound("refused");
    renderLogs();
  }

  function scanned(text) {
    // what a scanner or the camera read: a check-in code, or another QR
    if (TOKEN.test(text)) scanText(text);
    else notACode(text);
  }

  let searchTimer = null;
  let searchSeq = 0;

  async function search(query) {
    const seq = ++searchSeq;
    const results = $("results");
    if (query.trim().length < 2) { results.replaceChildren(); return; }
    let data;
    try {
      const response = await Page.get(`/desk/api/search?q=${encodeURIComponent(query)}&list=${encodeURIComponent(list)}`);
      if (response.status === 401) { sessionLost(); return; }
      data = await response.json();
    } catch (e) {
      if (seq === searchSeq) results.replaceChildren(el("li", {class: "hint"}, t("search_offline")));
      return;
    }
    if (seq !== searchSeq) return;  // a newer search was typed meanwhile
    // 429: this desk searched too often in the last minute; hint: a part of a phone number finds nobody
    const none = data.error === "too_fast" ? t("search_slow", {seconds: data.retry_after})
      : data.hint === "whole_phone" ? t("search_whole_phone") : t("search_none");
    if (!data.results || data.results.length === 0) { results.replaceChildren(el("li", {class: "hint"}, none)); return; }
    results.replaceChildren(...data.results.map((d) => el("li", {},
      el("button", {type: "button", class: "pick" + (d.checked_in ? " done" : ""), data: {delegate: String(d.id)},
        onclick: () => {
          results.replaceChildren();
          $("search").value = "";
          enqueue({delegate: d.id, name: d.name});
          $("scanner").focus();
        }},
      el("strong", {}, d.name), " — ", [pick(d.province), pick(d.category)].filter(Boolean).join(" · "),
      d.phone ? [" · ", el("span", {class: "nowrap"}, t("phone_tail", {digits: d.phone}))] : "",
      d.checked_in ? [" · ", el("span", {class: "nowrap"}, "✓ " + t("checked_in_mark"))] : ""))));
  }

  function onScannerKey(event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const value = event.target.value;
    event.target.value = "";
    if (!value.trim()) return;
    if (TOKEN.test(value) || FOREIGN.test(value.trim())) { scanned(value); return; }
    // a name typed where the scanner types: search it
    $("search").value = value;
    search(value);
  }

  function onSearchKey(event) {
    const value = event.target.value;
    if (event.key === "Enter" && (TOKEN.test(value) || FOREIGN.test(value.trim()))) {  // a scanner typed here
      event.preventDefault();
      event.target.value = "";
      $("results").replaceChildren();
      scanned(value);
    }
  }

  // the camera: the browser's BarcodeDetector where there is one, else the vendored jsQR
  let stream = null;
  let detector = null;
  let seen = {code: "", at: 0};
  const canvas = document.createElement("canvas");

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve();
    return new Promise((resolve, reject) => {
      document.head.append(el("script", {src: "/desk/static/vendor/jsQR.js", onload: resolve, onerror: reject}));
    });
  }

  async function readFrame(video) {
    if (detector) {
      const codes = await detector.detect(video);
      return codes.length ? codes[0].rawValue : null;
    }
    const scale = Math.min(1, 640 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    const context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
    return code ? code.data : null;
  }

  async function watch() {
    const video = $("video");
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        const code = await readFrame(video);
        const now = Date.now();
        // a code held in front of the camera is one scan; it counts again only after it was out of view
        if (code && !(code === seen.code && now - seen.at < 3000)) scanned(code);
        if (code) seen = {code, at: now};
      } catch (e) { /* a frame that cannot be read: take the next one */ }
    }
    setTimeout(watch, 150);  // about six frames a second: enough for a code held up, light on a laptop
  }

  async function toggleCamera() {
    const button = $("camera");
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
      $("camera-box").hidden = true;
      button.textContent = t("camera_on");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    } catch (e) {
      notice("camera_failed");
      return;
    }
    if (!detector && "BarcodeDetector" in window) {
      try {
        if ((await window.BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
          detector = new window.BarcodeDetector({formats: ["qr_code"]});
        }
      } catch (e) { detector = null; }
    }
    if (!detector) await loadJsQR();
    const video = $("video");
    video.srcObject = stream;
    await video.play();
    $("camera-box").hidden = false;
    $("camera-status").textContent = t("camera_reading");
    $("camera-status").dataset.engine = detector ? "BarcodeDetector" : "jsQR";
    button.textContent = t("camera_off");
    watch();
  }

  async function undo() {
    if (!undoable) return;
    const target = undoable;
    let response;
    try {
      response = await Page.post("/desk/api/undo", {checkin: target.checkin});
    } catch (e) {
      notice("undo_offline");
      return;
    }
    if (response.status === 401) { sessionLost(); return; }
    const data = await response.json();
    if (data.undone) {
      counts[data.list] = data.count;
      for (const line of [...recent, ...synced]) {
        if (line.result.checkin === target.checkin) line.undone = true;
      }
      renderCount();
      renderLogs();
      show(null);
      notice("undone", {name: data.name});
    } else {
      notice("undo_gone");
    }
  }

  // --- start ------------------------------------------------------------------------------------
  async function start() {
    const response = await Page.get("/desk/api/setup");
    if (response.status === 401) { sessionLost(); return; }
    setup = await response.json();
    counts = setup.counts;
    list = setup.default;
    const select = $("list");
    const fill = () => {
      select.replaceChildren(...setup.lists.map((l) =>
        el("option", {value: l.code, selected: l.code === list}, pick(l.name))));
    };
    fill();
    select.addEventListener("change", () => { list = select.value; renderCount(); $("scanner").focus(); });
    $("scanner").addEventListener("keydown", onScannerKey);
    $("search").addEventListener("keydown", onSearchKey);
    $("search").addEventListener("input", (event) => {
      clearTimeout(searchTimer);
      const value = event.target.value;
      if (TOKEN.test(value)) return;  // a scanner is typing a code into the search field: Enter will come
      searchTimer = setTimeout(() => search(value), 250);
    });
    $("camera").addEventListener("click", toggleCamera);
    $("undo").addEventListener("click", undo);
    window.addEventListener("online", () => flush());
    window.addEventListener("offline", () => setOnline(false));
    Page.onLanguage(() => { fill(); render(); renderLogs(); renderCount(); setOnline(online);
      $("camera").textContent = t(stream ? "camera_off" : "camera_on"); });
    document.title = t("desk_title");
    renderCount();
    await readQueue();
    renderLogs();
    setInterval(() => { if (pending.length) flush(); }, RETRY_MS);
    flush();  // scans left from before a reload or a lost session
    document.body.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
