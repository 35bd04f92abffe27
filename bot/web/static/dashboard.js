// The organizers' dashboard: polls the numbers every few seconds and redraws; a failed poll keeps the
// last numbers on screen, marked with their time, until the connection is back.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const {t, pick, el} = Page;
  const EVERY_MS = 3000;
  let data = null;
  let list = null;
  let stale = false;

  function percent(arrived, expected) {
    return expected ? Math.round((100 * arrived) / expected) + "%" : "–";
  }

  function table(target, firstHeader, rows, totals) {
    const head = el("tr", {}, el("th", {}, t(firstHeader)), el("th", {}, t("registered")), el("th", {}, t("expected")),
      el("th", {}, t("arrived")), el("th", {}, t("rate")));
    const line = (r, name, cls) => el("tr", {class: cls}, el("td", {}, name), el("td", {}, r.registered),
      el("td", {}, r.expected), el("td", {class: "strong"}, r.arrived), el("td", {}, percent(r.arrived, r.expected)));
    target.replaceChildren(el("thead", {}, head),
      el("tbody", {}, rows.map((r) => line(r, pick(r.name), r.expected && r.arrived >= r.expected ? "full" : ""))),
      totals ? el("tfoot", {}, line(totals, t("total"), "total")) : "");
  }

  // the provinces' six-month reports: received (with the time) or missing; null when none are collected
  function reports(rows) {
    $("no-reports").hidden = rows !== null;
    $("reports").hidden = rows === null;
    if (rows === null) return;
    $("reports").replaceChildren(
      el("thead", {}, el("tr", {}, el("th", {class: "text"}, t("province")), el("th", {class: "text"}, t("report_state")),
        el("th", {}, t("received_at")), el("th", {class: "text"}, t("file")), el("th", {}, t("report_version")))),
      el("tbody", {}, rows.map((r) => el("tr", {class: r.received ? "full" : "missing"},
        el("td", {class: "text"}, pick(r.province)),
        el("td", {class: "text"}, t(r.received ? "report_received_short" : "report_missing_short")),
        el("td", {}, r.received || "–"), el("td", {class: "text"}, r.file), el("td", {}, r.version || "–")))));
  }

  function transport(found) {
    $("no-transport").hidden = found.runs.length > 0;
    $("transport").hidden = found.runs.length === 0;
    $("transport").replaceChildren(
      el("thead", {}, el("tr", {}, el("th", {class: "text"}, t("trip")), el("th", {}, t("departs")),
        el("th", {class: "text"}, t("vehicle")), el("th", {}, t("people")), el("th", {}, t("seats")))),
      el("tbody", {}, found.runs.map((r) => el("tr", {class: r.people >= r.seats ? "full" : ""},
        el("td", {class: "text"}, pick(r.trip)), el("td", {}, r.departs), el("td", {class: "text"}, pick(r.vehicle)),
        el("td", {class: "strong"}, r.people), el("td", {}, r.seats)))));
    $("transport-changed").replaceChildren(...found.changed.map((c) =>
      el("li", {}, t("arrival_changed", {name: c.name, time: c.departs}))));
  }

  function render() {
    if (!data) return;
    const select = $("list");
    select.replaceChildren(...data.lists.map((l) =>
      el("option", {value: l.code, selected: l.code === data.list}, pick(l.name))));
    const totals = data.totals;
    $("registered").textContent = totals.registered;
    $("expected").textContent = totals.expected;
    $("arrived").textContent = totals.arrived;
    $("rate").textContent = percent(totals.arrived, totals.expected);
    table($("provinces"), "province", data.provinces, totals);
    table($("categories"), "category", data.categories, null);
    const bars = (rows) => rows.filter((r) => r.expected || r.arrived)
      .map((r) => ({label: pick(r.name), expected: r.expected, arrived: r.arrived}));
    Charts.bars($("province-chart"), bars(data.provinces));
    Charts.bars($("category-chart"), bars(data.categories));
    Charts.columns($("arrivals-chart"), data.arrivals);
    $("arrivals-chart").classList.toggle("empty", data.arrivals.length === 0);
    $("no-arrivals").hidden = data.arrivals.length > 0;
    $("latest").replaceChildren(
      el("thead", {}, el("tr", {}, el("th", {}, t("time")), el("th", {}, t("name")), el("th", {}, t("province")),
        el("th", {}, t("by")))),
      el("tbody", {}, data.latest.map((c) => el("tr", {}, el("td", {}, c.time), el("td", {}, c.name),
        el("td", {}, pick(c.province)), el("td", {}, c.by)))));
    $("no-broadcasts").hidden = data.broadcasts.length > 0;
    $("broadcasts").hidden = data.broadcasts.length === 0;
    $("broadcasts").replaceChildren(
      el("thead", {}, el("tr", {}, el("th", {}, t("started")), el("th", {class: "text"}, t("audience")),
        el("th", {class: "text"}, t("status")),
        el("th", {}, t("sent")), el("th", {}, t("to_send")), el("th", {}, t("not_reached")))),
      el("tbody", {}, data.broadcasts.map((b) => el("tr", {class: b.status}, el("td", {}, b.started),
        el("td", {class: "text"}, pick(b.audience)), el("td", {class: "text"}, t("status_" + b.status)),
        el("td", {class: "strong"}, b.sent),
        el("td", {}, b.pending), el("td", {}, b.not_reached)))));
    reports(data.reports);
    transport(data.transport);
    document.querySelectorAll("a[data-export]").forEach((a) => {
      a.href = `/dashboard/export/${encodeURIComponent(a.dataset.export)}?lang=${Page.lang}`;
    });
    const updated = $("updated");
    updated.className = "net " + (stale ? "offline" : "online");
    updated.textContent = t(stale ? "stale" : "updated", {time: data.now});
    document.title = t("dashboard_title");
  }

  async function refresh() {
    try {
      const response = await Page.get("/dashboard/api/numbers" + (list ? "?list=" + encodeURIComponent(list) : ""));
      if (response.status === 401 || response.status === 403) { location.reload(); return; }  // the login prompt
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
      list = data.list;
      stale = false;
    } catch (e) {
      stale = true;
    }
    render();
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("list").addEventListener("change", (event) => { list = event.target.value; refresh(); });
    Page.onLanguage(render);
    refresh();
    setInterval(refresh, EVERY_MS);
  });
})();
