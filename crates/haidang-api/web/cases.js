// The consular cases page: the list of cases the account may see, one case with its
// timeline, its evidence pack, status changes and notes, and (consular staff and admins
// only) its crew, read with a reason that the server logs. Vietnamese first, English on
// request (the choice is shared with the map).
"use strict";

(function () {
  const STRINGS = {
    vi: {
      title: "Hồ sơ lãnh sự", map: "Bản đồ", logout: "Đăng xuất", lang_other: "English",
      notice: "Dữ liệu thủy thủ là dữ liệu cá nhân: mỗi lần xem đều được ghi lại cùng lý do.",
      filter: "Trạng thái", all: "Tất cả", status: "Trạng thái", vessel: "Tàu",
      detained_at: "Bị bắt lúc (UTC)", country: "Nước", mission: "Cơ quan đại diện",
      crew_count: "Thủy thủ", empty: "Chưa có hồ sơ.", evidence: "Tải gói bằng chứng (GeoJSON)",
      evidence_pdf: "Tải gói bằng chứng (PDF)",
      timeline: "Diễn biến", add_note: "Thêm ghi chú", change_status: "Đổi trạng thái",
      crew: "Thủy thủ", reason: "Lý do xem (bắt buộc)", show_crew: "Xem (ghi lại lý do)",
      name: "Họ tên", dob: "Ngày sinh", id_number: "Số CCCD", home_town: "Quê quán",
      family: "Liên hệ gia đình", case: "Hồ sơ", place: "Nơi bị bắt", authority: "Cơ quan bắt giữ",
      opened: "Mở lúc", closed_reason: "Lý do đóng", failed: "Lỗi",
      reported: "đã báo tin", verified: "đã xác minh", consular_access: "đã tiếp xúc lãnh sự",
      legal_proceedings: "đang tố tụng", released: "đã được thả", repatriated: "đã về nước",
      closed: "đã đóng",
      ev_opened: "mở hồ sơ", ev_note: "ghi chú", ev_status: "trạng thái", ev_crew_added: "thêm thủy thủ",
      ev_alert_linked: "gắn cảnh báo",
      open_case: "Mở hồ sơ mới", from_alert: "Từ cảnh báo (mã)", first_note: "Ghi chú đầu tiên",
      add_crew: "Thêm thủy thủ",
    },
    en: {
      title: "Consular cases", map: "Map", logout: "Log out", lang_other: "Tiếng Việt",
      notice: "Crew data is personal data: every look is recorded with its reason.",
      filter: "Status", all: "All", status: "Status", vessel: "Vessel",
      detained_at: "Detained at (UTC)", country: "Country", mission: "Mission",
      crew_count: "Crew", empty: "No cases yet.", evidence: "Download the evidence pack (GeoJSON)",
      evidence_pdf: "Download the evidence pack (PDF)",
      timeline: "Timeline", add_note: "Add note", change_status: "Change status",
      crew: "Crew", reason: "Why you need it (required)", show_crew: "Show (reason recorded)",
      name: "Name", dob: "Date of birth", id_number: "ID number", home_town: "Home town",
      family: "Family contact", case: "Case", place: "Place of detention", authority: "Detaining authority",
      opened: "Opened", closed_reason: "Closing reason", failed: "Failed",
      reported: "reported", verified: "verified", consular_access: "consular access",
      legal_proceedings: "legal proceedings", released: "released", repatriated: "repatriated",
      closed: "closed",
      ev_opened: "opened", ev_note: "note", ev_status: "status", ev_crew_added: "crew member added",
      ev_alert_linked: "alert linked",
      open_case: "Open a new case", from_alert: "From alert (id)", first_note: "First note",
      add_crew: "Add a crew member",
    },
  };
  const STATUSES = ["reported", "verified", "consular_access", "legal_proceedings", "released", "repatriated", "closed"];
  let lang = localStorage.getItem("haidang.lang") === "en" ? "en" : "vi";
  const t = (k) => STRINGS[lang][k] || k;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let cases = [];
  let current = null;

  async function api(url, options) {
    const response = await fetch(url, Object.assign({ headers: { Accept: "application/json" }, credentials: "same-origin" }, options));
    if (response.status === 401) { window.location.assign("/login"); throw new Error("HTTP 401"); }
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (!response.ok) throw new Error((body && body.detail) || `HTTP ${response.status}`);
    return body;
  }

  function post(url, body) {
    return api(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
  }

  function showError(e) {
    const p = $("case-error");
    p.textContent = `${t("failed")}: ${e.message}`;
    p.hidden = false;
  }

  const canWrite = () => me && (me.role === "consular" || me.role === "admin");
  const canEvidence = () => me && ["consular", "fisheries", "admin"].includes(me.role);

  function renderList() {
    const body = $("cases").querySelector("tbody");
    body.textContent = "";
    for (const c of cases) {
      const row = document.createElement("tr");
      row.dataset.id = c.id;
      if (current && current.id === c.id) row.className = "selected";
      cell(row, c.id); cell(row, t(c.status)); cell(row, c.vessel); cell(row, c.detained_at);
      cell(row, c.detaining_country); cell(row, c.mission); cell(row, c.crew_count);
      row.addEventListener("click", () => openCase(c.id).catch(showError));
      body.appendChild(row);
    }
    $("list-empty").hidden = cases.length > 0;
  }

  async function loadList() {
    const status = $("status-filter").value;
    const data = await api(`/api/v1/cases${status ? "?status=" + encodeURIComponent(status) : ""}`);
    cases = data.cases;
    renderList();
  }

  function renderCase() {
    const c = current;
    $("case-pane").hidden = false;
    $("case-error").hidden = true;
    $("case-title").textContent = `${t("case")} ${c.id} · ${t(c.status)}`;
    const facts = $("case-facts");
    facts.textContent = "";
    for (const [k, v] of [["vessel", c.vessel], ["detained_at", c.detained_at],
      ["place", c.place], ["country", c.detaining_country], ["authority", c.detaining_authority],
      ["mission", c.mission], ["opened", `${c.opened_at} · ${c.opened_by}`], ["crew_count", c.crew_count],
      ["closed_reason", c.closed_reason]]) {
      if (v === null || v === undefined) continue;
      const dt = document.createElement("dt"); dt.textContent = t(k);
      const dd = document.createElement("dd"); dd.textContent = String(v);
      facts.append(dt, dd);
    }
    const ev = $("evidence");
    ev.hidden = !canEvidence() || !c.vessel || !c.detained_at;
    ev.href = `/api/v1/cases/${c.id}/evidence`;
    const evPdf = $("evidence-pdf");
    evPdf.hidden = ev.hidden;
    evPdf.href = `/api/v1/cases/${c.id}/evidence.pdf`;
    const timeline = $("timeline");
    timeline.textContent = "";
    for (const e of c.timeline) {
      const li = document.createElement("li");
      const change = e.kind === "status" ? ` ${t(e.from_status)} → ${t(e.to_status)}` : "";
      li.textContent = `${e.at} · ${e.by} · ${t("ev_" + e.kind)}${change}${e.text ? ": " + e.text : ""}`;
      timeline.appendChild(li);
    }
    $("note-form").hidden = !canWrite();
    $("status-form").hidden = !canWrite();
    const to = $("status-to");
    to.textContent = "";
    for (const s of STATUSES) {
      const o = document.createElement("option"); o.value = s; o.textContent = t(s); to.appendChild(o);
    }
    $("crew-box").hidden = !canWrite();
    $("crew").hidden = true;
    $("crew").querySelector("tbody").textContent = "";
  }

  async function openCase(id) {
    current = await api(`/api/v1/cases/${id}`);
    renderCase();
    renderList();
  }

  $("crew-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const reason = $("crew-reason").value.trim();
      const data = await api(`/api/v1/cases/${current.id}/crew?reason=${encodeURIComponent(reason)}`);
      const body = $("crew").querySelector("tbody");
      body.textContent = "";
      for (const m of data.crew) {
        const row = document.createElement("tr");
        cell(row, m.name); cell(row, m.date_of_birth); cell(row, m.id_number); cell(row, m.home_town); cell(row, m.family_contact);
        body.appendChild(row);
      }
      $("crew").hidden = false;
    } catch (e) { showError(e); }
  });

  // A new case: from an alert (its vessel, time and place become the defaults) or by hand.
  $("open-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = {};
      for (const [field, id] of [["alert_id", "open-alert"], ["vessel", "open-vessel"],
        ["detained_at", "open-detained"], ["place", "open-place"], ["detaining_country", "open-country"],
        ["detaining_authority", "open-authority"], ["mission", "open-mission"], ["note", "open-note"]]) {
        const v = $(id).value.trim();
        if (v) body[field] = field === "detaining_country" ? v.toUpperCase() : v;
      }
      const created = await post("/api/v1/cases", body);
      for (const id of ["open-alert", "open-vessel", "open-detained", "open-place", "open-country", "open-authority", "open-note"]) $(id).value = "";
      $("open-box").open = false;
      await loadList();
      await openCase(created.id);
    } catch (e) { showError(e); }
  });

  // A crew member: the answer carries no personal data (only the crew count changes).
  $("crew-add").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { name: $("crew-name").value.trim() };
      for (const [field, id] of [["date_of_birth", "crew-dob"], ["id_number", "crew-id"],
        ["home_town", "crew-home"], ["family_contact", "crew-family"]]) {
        const v = $(id).value.trim();
        if (v) body[field] = v;
      }
      await post(`/api/v1/cases/${current.id}/crew`, body);
      for (const id of ["crew-name", "crew-dob", "crew-id", "crew-home", "crew-family"]) $(id).value = "";
      await openCase(current.id);
      await loadList();
    } catch (e) { showError(e); }
  });

  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await post(`/api/v1/cases/${current.id}/notes`, { text: $("note-text").value });
      $("note-text").value = "";
      await openCase(current.id);
    } catch (e) { showError(e); }
  });

  $("status-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const note = $("status-note").value.trim();
      await post(`/api/v1/cases/${current.id}/status`, note ? { status: $("status-to").value, note } : { status: $("status-to").value });
      $("status-note").value = "";
      await openCase(current.id);
      await loadList();
    } catch (e) { showError(e); }
  });

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = `Hải đăng · ${t("title")}`;
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
    $("lang-toggle").textContent = t("lang_other");
    if (current) renderCase();
    renderList();
  }

  $("lang-toggle").addEventListener("click", () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("haidang.lang", lang);
    applyLanguage();
  });
  $("logout").addEventListener("click", async () => {
    try { await fetch("/api/v1/logout", { method: "POST", credentials: "same-origin" }); } finally { window.location.assign("/login"); }
  });
  $("status-filter").addEventListener("change", () => loadList().catch(showError));

  (async function start() {
    const filter = $("status-filter");
    for (const s of STATUSES) {
      const o = document.createElement("option"); o.value = s; o.dataset.i18n = s; o.textContent = t(s); filter.appendChild(o);
    }
    applyLanguage();
    try {
      me = await api("/api/v1/me");
      $("me").textContent = `${me.name} (${me.role}${me.mission ? " · " + me.mission : ""}${me.province ? " · " + me.province : ""})`;
      $("open-box").hidden = !canWrite();
      if (me.mission) $("open-mission").value = me.mission;
      // From the map's alert panel: /cases?alert=ID opens the form with the alert filled in.
      const fromAlert = new URLSearchParams(window.location.search).get("alert");
      if (fromAlert && canWrite()) {
        $("open-alert").value = fromAlert;
        $("open-box").open = true;
      }
      await loadList();
      window.haidangCases = { ready: true };
    } catch (e) { showError(e); }
  })();
})();
