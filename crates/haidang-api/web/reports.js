// The IUU report page, for fisheries officers: the report of a period (and a province)
// with every count and the case numbers it counts, its downloads (CSV, GeoJSON, PDF,
// JSON), and the period's compliance cases, which fisheries officers and administrators
// verify, sanction or close here. Vietnamese first, English on request (the choice is
// shared with the map and the cases page).
"use strict";

(function () {
  // Script errors and policy violations, for the end-to-end tests (as on the map).
  const problems = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    problems.push(`CSP ${e.violatedDirective}: ${e.blockedURI || "inline"}`));
  window.addEventListener("error", (e) => problems.push(`error: ${e.message}`));
  window.addEventListener("unhandledrejection", (e) => problems.push(`unhandled rejection: ${e.reason}`));

  const STRINGS = {
    vi: {
      geo_notice: "Ranh giới vùng biển là gần đúng, không phải đường ranh giới pháp lý; vị trí là do tàu tự báo.",
      title: "Báo cáo IUU", map: "Bản đồ", consular_cases: "Hồ sơ lãnh sự", logout: "Đăng xuất",
      lang_other: "English", from: "Từ ngày", to: "Đến ngày (kể cả)", province: "Tỉnh",
      province_all: "Cả nước (để trống)", show: "Xem", download: "Tải về:",
      loading: "Đang tải…", failed: "Lỗi",
      forbidden_report: "Tài khoản của bạn không được xem báo cáo IUU (chỉ cán bộ thủy sản và quản trị viên). Danh sách vụ việc vẫn hiển thị bên dưới.",
      period: "Kỳ báo cáo", days: "ngày", whole_country: "cả nước",
      fleet: "Đội tàu", registered: "Tàu trong sổ đăng ký", length_15m_or_more: "Dài từ 15 m (phải có VMS)",
      with_vms: "Có thiết bị VMS", reporting_12_a_day: "Báo trung bình ≥ 12 vị trí/ngày",
      registrations: "số đăng ký",
      vms_loss: "Mất tín hiệu VMS", boundary: "Vượt ranh giới",
      detentions: "Tàu bị bắt giữ ở nước ngoài",
      detentions_note: "Số là mã hồ sơ lãnh sự (không có dữ liệu thủy thủ).",
      closed_without_sanction: "Đóng không xử phạt",
      unregistered: "Vụ việc của tàu không có trong sổ đăng ký",
      consistency: "Kiểm tra tính nhất quán",
      consistent: "Nhất quán: mọi tổng bằng tổng các phần.", inconsistent: "KHÔNG nhất quán",
      total: "Tổng", bucket: "Mức", country: "Nước", reason: "Lý do", no_country: "(không rõ nước)",
      cases_title: "Vụ việc trong kỳ", kind: "Loại", vessel: "Tàu", bucket_or_zone: "Mức / nước, vùng",
      detected_at: "Phát hiện lúc (UTC)", status: "Trạng thái", outcome: "Kết quả", actions: "Thao tác",
      cases_empty: "Không có vụ việc nào trong kỳ.",
      cases_province: "Chỉ các vụ việc được tính trong báo cáo của tỉnh.",
      cases_truncated: "Danh sách bị cắt bớt: chỉ hiển thị những vụ việc đầu tiên.",
      k_vms_loss: "Mất tín hiệu VMS", k_boundary: "Vượt ranh giới",
      b_6h_10d: "6 giờ – 10 ngày", b_over_10d: "trên 10 ngày", b_unknown: "(không rõ)",
      c_foreign: "vùng biển nước ngoài", c_undelimited: "vùng chưa phân định", c_unknown: "(không rõ)",
      detected: "đã phát hiện", verified: "đã xác minh", sanctioned: "đã xử phạt", closed: "đã đóng",
      r_provider_outage: "nhà cung cấp VMS gián đoạn", r_force_majeure: "bất khả kháng",
      r_at_port: "tàu ở cảng", r_no_violation: "không vi phạm", r_other: "lý do khác", r_unknown: "(không rõ)",
      d_reported: "đã báo tin", d_verified: "đã xác minh", d_consular_access: "đã tiếp xúc lãnh sự",
      d_legal_proceedings: "đang tố tụng", d_released: "đã được thả", d_repatriated: "đã về nước",
      d_closed: "đã đóng",
      verify: "Xác minh", sanction: "Xử phạt", close: "Đóng", cancel: "Hủy",
      decision_number: "Số quyết định", amount_vnd: "Số tiền (đồng)", decided_on: "Ngày quyết định",
      payment_proof: "Chứng từ nộp phạt", note: "Ghi chú", save: "Lưu",
      decision: "QĐ", paid: "đã nộp", unpaid: "chưa nộp",
    },
    en: {
      geo_notice: "Zone boundaries are approximate, not legal lines; positions are as the vessels reported them.",
      title: "IUU report", map: "Map", consular_cases: "Consular cases", logout: "Log out",
      lang_other: "Tiếng Việt", from: "From", to: "To (included)", province: "Province",
      province_all: "Whole country (leave empty)", show: "Show", download: "Download:",
      loading: "Loading…", failed: "Failed",
      forbidden_report: "Your account may not read the IUU report (fisheries officers and administrators only). The cases are still listed below.",
      period: "Period", days: "days", whole_country: "whole country",
      fleet: "Fleet", registered: "Vessels in the register", length_15m_or_more: "15 m or longer (VMS duty)",
      with_vms: "With a VMS device", reporting_12_a_day: "Reporting 12 or more positions a day on average",
      registrations: "registration numbers",
      vms_loss: "VMS loss", boundary: "Boundary crossings",
      detentions: "Detentions abroad",
      detentions_note: "Numbers are consular case numbers (no crew data).",
      closed_without_sanction: "Closed without sanction",
      unregistered: "Cases of vessels not in the register",
      consistency: "Consistency check",
      consistent: "Consistent: every total equals the sum of its parts.", inconsistent: "NOT consistent",
      total: "Total", bucket: "Bucket", country: "Country", reason: "Reason", no_country: "(no country)",
      cases_title: "Cases in the period", kind: "Kind", vessel: "Vessel", bucket_or_zone: "Bucket / country, zone",
      detected_at: "Detected at (UTC)", status: "Status", outcome: "Outcome", actions: "Actions",
      cases_empty: "No case in the period.",
      cases_province: "Only the cases the province's report counts.",
      cases_truncated: "The list is cut short: only the first cases are shown.",
      k_vms_loss: "VMS loss", k_boundary: "Boundary",
      b_6h_10d: "6 h – 10 days", b_over_10d: "over 10 days", b_unknown: "(unknown)",
      c_foreign: "foreign waters", c_undelimited: "undelimited waters", c_unknown: "(unknown)",
      detected: "detected", verified: "verified", sanctioned: "sanctioned", closed: "closed",
      r_provider_outage: "VMS provider outage", r_force_majeure: "force majeure",
      r_at_port: "at port", r_no_violation: "no violation", r_other: "other", r_unknown: "(unknown)",
      d_reported: "reported", d_verified: "verified", d_consular_access: "consular access",
      d_legal_proceedings: "legal proceedings", d_released: "released", d_repatriated: "repatriated",
      d_closed: "closed",
      verify: "Verify", sanction: "Sanction", close: "Close", cancel: "Cancel",
      decision_number: "Decision number", amount_vnd: "Amount (VND)", decided_on: "Decided on",
      payment_proof: "Proof of payment", note: "Note", save: "Save",
      decision: "decision", paid: "paid", unpaid: "unpaid",
    },
  };
  const OUTCOMES = ["detected", "verified", "sanctioned", "closed"];
  const BUCKETS = ["6h_10d", "over_10d"];
  const CLASSES = ["foreign", "undelimited"];
  const REASONS = ["provider_outage", "force_majeure", "at_port", "no_violation", "other"];
  const DETENTION_STATUSES = ["reported", "verified", "consular_access", "legal_proceedings", "released", "repatriated", "closed"];
  const FORMATS = ["csv", "geojson", "pdf", "json"];

  let lang = localStorage.getItem("haidang.lang") === "en" ? "en" : "vi";
  const t = (k) => STRINGS[lang][k] || k;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let report = null; // the last report shown
  let reportFailure = null; // why the last report could not be shown: {key} or {detail}
  let cases = []; // the period's compliance cases
  let truncated = false;
  let query = null; // {from, to, province} of what is shown
  let openForm = null; // {id, kind} of the action form open under a row
  let highlighted = null;
  let loads = 0;

  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(url, options) {
    const response = await fetch(url, Object.assign({ headers: { Accept: "application/json" }, credentials: "same-origin" }, options));
    if (response.status === 401) { window.location.assign("/login"); throw new HttpError(401, "HTTP 401"); }
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (!response.ok) throw new HttpError(response.status, (body && body.detail) || `HTTP ${response.status}`);
    return body;
  }

  function post(url, body) {
    return api(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
  }

  const canWrite = () => me && (me.role === "fisheries" || me.role === "admin");

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "text") e.textContent = String(v);
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children || []) if (c) e.append(c);
    return e;
  }

  // Days as YYYY-MM-DD, in UTC (the report's days are UTC days).
  const dayText = (d) => d.toISOString().slice(0, 10);
  function nextDay(text) {
    const d = new Date(`${text}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    return dayText(d);
  }
  function previousMonth() {
    const now = new Date();
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
    return [dayText(first), dayText(last)];
  }

  function reportUrl(q, format) {
    const p = new URLSearchParams({ from: q.from, to: q.to });
    if (q.province) p.set("province", q.province);
    if (format) p.set("format", format);
    return `/api/v1/reports/iuu?${p}`;
  }

  // A count and the ids it counts: case numbers link to their row in the case list.
  function countNode(c, opts) {
    const o = opts || {};
    const span = el("span", { class: "count", "data-count": c.count });
    if (o.testid) span.dataset.testid = o.testid;
    if (o.id) span.id = o.id;
    span.append(el("b", { text: c.count }));
    if (!c.ids.length) return span;
    const ids = el("span", { class: "ids" });
    for (const id of c.ids) {
      if (o.ids === "case") {
        const a = el("a", { href: `#case-${id}`, class: "case-link", "data-case": id, text: `#${id}` });
        a.addEventListener("click", (event) => { event.preventDefault(); highlight(id); });
        ids.append(a, " ");
      } else {
        ids.append(el("span", { class: "id", text: o.ids === "detention" ? `LS-${id}` : id }), " ");
      }
    }
    if (c.ids.length > 12) {
      span.append(" ", el("details", { class: "id-list" }, [el("summary", { text: o.summary || `${c.ids.length}` }), ids]));
    } else {
      span.append(" ", ids);
    }
    return span;
  }

  function highlight(id) {
    const row = $(`case-${id}`);
    if (highlighted) highlighted.classList.remove("highlight");
    highlighted = row;
    if (!row) return;
    row.classList.add("highlight");
    row.scrollIntoView({ block: "center" });
  }

  // A table of rows × columns where each cell is a count (or empty).
  function countTable(table, headLabels, rows) {
    const thead = table.querySelector("thead");
    if (thead) {
      thead.textContent = "";
      thead.append(el("tr", {}, headLabels.map((h) => el("th", { text: h }))));
    }
    const tbody = table.querySelector("tbody");
    tbody.textContent = "";
    for (const r of rows) {
      const tr = el("tr", r.attrs || {});
      tr.append(el("th", { text: r.label }));
      for (const c of r.cells) {
        const td = el("td");
        if (c) td.append(countNode(c.count, c.opts));
        tr.append(td);
      }
      tbody.append(tr);
    }
  }

  const empty = () => ({ count: 0, ids: [] });
  // The report counts a case without a country under `none` (detentions: `unknown`).
  const countryLabel = (c) => (c === "none" || c === "unknown" ? t("no_country") : c);

  function renderReport() {
    const box = $("report");
    if (!report) { box.hidden = true; return; }
    const r = report;
    box.hidden = false;
    $("report-period").textContent = `${t("period")}: ${r.period.from} – ${query.to} (${r.period.days} ${t("days")}) · ${t("province")}: ${r.province || t("whole_country")}`;
    $("report-notice").textContent = r.notice;
    for (const f of FORMATS) $(`dl-${f}`).href = reportUrl(query, f);

    countTable($("fleet"), null, ["registered", "length_15m_or_more", "with_vms", "reporting_12_a_day"].map((k) => ({
      label: t(k), attrs: { "data-key": k },
      cells: [{ count: r.fleet[k], opts: { ids: "reg", testid: `fleet-${k}`, summary: t("registrations") } }],
    })));

    const vmsBuckets = BUCKETS.concat(Object.keys(r.vms_loss.by_bucket).filter((b) => !BUCKETS.includes(b)));
    countTable($("vms-loss"), [t("bucket"), t("total")].concat(OUTCOMES.map(t)),
      vmsBuckets.map((b) => {
        const x = r.vms_loss.by_bucket[b] || { total: empty(), by_outcome: {} };
        return {
          label: t(`b_${b}`), attrs: { "data-bucket": b },
          cells: [{ count: x.total, opts: { ids: "case" } }].concat(OUTCOMES.map((o) => ({ count: x.by_outcome[o] || empty(), opts: { ids: "case" } }))),
        };
      }).concat([{ label: t("total"), attrs: { class: "total-row" }, cells: [{ count: r.vms_loss.total, opts: { ids: "case", id: "count-vms-loss-total", testid: "count-vms-loss" } }] }]));

    const classes = CLASSES.slice();
    for (const x of Object.values(r.boundary.by_country)) {
      for (const c of Object.keys(x.by_class)) if (!classes.includes(c)) classes.push(c);
    }
    countTable($("boundary"), [t("country"), t("total")].concat(classes.map((c) => t(`c_${c}`)), OUTCOMES.map(t)),
      Object.entries(r.boundary.by_country).map(([country, x]) => ({
        label: countryLabel(country), attrs: { "data-country": country },
        cells: [{ count: x.total, opts: { ids: "case" } }]
          .concat(classes.map((c) => ({ count: x.by_class[c] || empty(), opts: { ids: "case" } })))
          .concat(OUTCOMES.map((o) => ({ count: x.by_outcome[o] || empty(), opts: { ids: "case" } }))),
      })).concat([{ label: t("total"), attrs: { class: "total-row" }, cells: [{ count: r.boundary.total, opts: { ids: "case", id: "count-boundary-total", testid: "count-boundary" } }] }]));

    countTable($("detentions"), [t("country"), t("total")].concat(DETENTION_STATUSES.map((s) => t(`d_${s}`))),
      Object.entries(r.detentions_abroad.by_country).map(([country, x]) => ({
        label: countryLabel(country), attrs: { "data-country": country },
        cells: [{ count: x.total, opts: { ids: "detention" } }]
          .concat(DETENTION_STATUSES.map((s) => ({ count: x.by_status[s] || empty(), opts: { ids: "detention" } }))),
      })).concat([{ label: t("total"), attrs: { class: "total-row" }, cells: [{ count: r.detentions_abroad.total, opts: { ids: "detention", id: "count-detentions-total", testid: "count-detentions" } }] }]));

    const reasons = REASONS.concat(Object.keys(r.closed_without_sanction.by_reason).filter((x) => !REASONS.includes(x)));
    countTable($("closed"), null,
      reasons.map((x) => ({
        label: t(`r_${x}`), attrs: { "data-reason": x },
        cells: [{ count: r.closed_without_sanction.by_reason[x] || empty(), opts: { ids: "case" } }],
      })).concat([{ label: t("total"), attrs: { class: "total-row" }, cells: [{ count: r.closed_without_sanction.total, opts: { ids: "case", id: "count-closed-total", testid: "count-closed" } }] }]));

    const unregistered = $("unregistered");
    unregistered.textContent = "";
    unregistered.append(countNode(r.cases_of_unregistered_vessels, { ids: "case", id: "count-unregistered", testid: "count-unregistered" }));

    const consistency = $("consistency");
    consistency.textContent = r.consistency.ok ? t("consistent") : t("inconsistent");
    consistency.className = r.consistency.ok ? "ok" : "bad";
    consistency.dataset.ok = String(r.consistency.ok);
    const checks = $("checks");
    checks.textContent = "";
    for (const c of r.consistency.checks) {
      checks.append(el("li", { class: c.ok ? "ok" : "bad", text: `${c.ok ? "✓" : "✗"} ${c.check}: ${c.total} = ${c.sum_of_parts}` }));
    }
  }

  function bucketOrZone(c) {
    if (c.kind === "vms_loss") return c.bucket ? t(`b_${c.bucket}`) : "";
    return [c.country, c.zone_class ? t(`c_${c.zone_class}`) : null, c.zone_id].filter(Boolean).join(" · ");
  }

  function outcome(c) {
    if (c.closed_reason) return t(`r_${c.closed_reason}`);
    if (c.sanction) {
      const s = c.sanction;
      const amount = Number(s.amount_vnd).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB");
      return `${t("decision")} ${s.decision_number} · ${amount} đ · ${s.decided_on} · ${s.payment_proof ? t("paid") : t("unpaid")}`;
    }
    return "";
  }

  // The cases listed: with a province asked of a national account, only those its report
  // counts (the list itself is not by province); otherwise every case of the period.
  function shownCases() {
    if (report && query && query.province && !(me && me.province)) {
      const ids = new Set(report.cases.map((c) => c.id));
      return cases.filter((c) => ids.has(c.id));
    }
    return cases;
  }

  function renderCases() {
    if (!query) return;
    $("cases-box").hidden = false;
    const tbody = $("case-table").querySelector("tbody");
    tbody.textContent = "";
    const list = shownCases();
    for (const c of list) {
      const row = el("tr", { id: `case-${c.id}`, "data-id": c.id, "data-kind": c.kind, "data-status": c.status });
      if (highlighted && highlighted.id === row.id) { row.classList.add("highlight"); highlighted = row; }
      for (const text of [`#${c.id}`, t(`k_${c.kind}`), c.vessel || "", bucketOrZone(c), c.detected_at, t(c.status), outcome(c)]) {
        row.append(el("td", { text }));
      }
      const actions = el("td", { class: "actions" });
      if (canWrite()) {
        if (c.status === "detected") actions.append(actionButton(c, "verify"));
        if (c.status === "verified") actions.append(actionButton(c, "sanction"));
        if (c.status === "detected" || c.status === "verified") actions.append(actionButton(c, "close"));
      }
      row.append(actions);
      tbody.append(row);
      if (openForm && openForm.id === c.id && canWrite()) tbody.append(actionRow(c, openForm.kind));
    }
    $("cases-empty").hidden = list.length > 0;
    const note = $("cases-note");
    const notes = [];
    if (list !== cases) notes.push(t("cases_province"));
    if (truncated) notes.push(t("cases_truncated"));
    note.textContent = notes.join(" ");
    note.hidden = notes.length === 0;
  }

  function actionButton(c, kind) {
    const b = el("button", { type: "button", id: `${kind}-${c.id}`, "data-testid": `${kind}-button`, class: `act ${kind}`, text: t(kind) });
    b.addEventListener("click", () => {
      if (kind === "verify") {
        act(c.id, "verify", {}, null);
      } else {
        openForm = openForm && openForm.id === c.id && openForm.kind === kind ? null : { id: c.id, kind };
        renderCases();
        const first = document.querySelector(`#action-${c.id} input, #action-${c.id} select`);
        if (first) first.focus();
      }
    });
    return b;
  }

  function field(label, input) {
    return el("label", {}, [el("span", { text: label }), input]);
  }

  // The form under a row: a sanction's decision, or why the case is closed.
  function actionRow(c, kind) {
    const id = c.id;
    const form = el("form", { id: `action-${id}`, class: `action-form ${kind}`, "data-testid": `${kind}-form` });
    const error = el("p", { id: `action-error-${id}`, class: "row-error", role: "alert", "data-testid": "action-error" });
    error.hidden = true;
    if (kind === "sanction") {
      form.append(
        field(t("decision_number"), el("input", { id: `sanction-number-${id}`, maxlength: "100", required: "" })),
        field(t("amount_vnd"), el("input", { id: `sanction-amount-${id}`, type: "number", min: "0", step: "1", required: "" })),
        field(t("decided_on"), el("input", { id: `sanction-date-${id}`, type: "date", required: "", value: dayText(new Date()) })),
        field(t("payment_proof"), el("input", { id: `sanction-proof-${id}`, maxlength: "500" })),
        field(t("note"), el("input", { id: `sanction-note-${id}`, maxlength: "2000" })),
      );
    } else {
      const select = el("select", { id: `close-reason-${id}`, "data-testid": "close-reason", required: "" });
      for (const r of REASONS) select.append(el("option", { value: r, text: t(`r_${r}`) }));
      form.append(
        field(t("reason"), select),
        field(t("note"), el("input", { id: `close-note-${id}`, "data-testid": "close-note", maxlength: "2000" })),
      );
    }
    const submit = el("button", { type: "submit", id: `${kind}-submit-${id}`, "data-testid": `${kind}-submit`, text: kind === "close" ? t("close") : t("save") });
    const cancel = el("button", { type: "button", class: "cancel", text: t("cancel") });
    cancel.addEventListener("click", () => { openForm = null; renderCases(); });
    form.append(submit, cancel, error);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const v = (name) => $(`${name}-${id}`).value.trim();
      let body;
      if (kind === "sanction") {
        body = { decision_number: v("sanction-number"), amount_vnd: Number(v("sanction-amount")), decided_on: v("sanction-date") };
        if (v("sanction-proof")) body.payment_proof = v("sanction-proof");
        if (v("sanction-note")) body.note = v("sanction-note");
      } else {
        body = { reason: $(`close-reason-${id}`).value };
        if (v("close-note")) body.note = v("close-note");
      }
      act(id, kind, body, error);
    });
    return el("tr", { class: "action-row", "data-for": id }, [el("td", { colspan: "8" }, [form])]);
  }

  // One move of a case; its row shows the answer at once, then the report and the list
  // are read again.
  async function act(id, kind, body, errorNode) {
    const global = $("cases-error");
    global.hidden = true;
    try {
      const updated = await post(`/api/v1/compliance/cases/${id}/${kind}`, body);
      cases = cases.map((c) => (c.id === id ? updated : c));
      openForm = null;
      renderCases();
      await load(query);
    } catch (e) {
      const node = errorNode && errorNode.isConnected ? errorNode : global;
      node.textContent = `${t("failed")}: ${e.message}`;
      node.hidden = false;
    }
  }

  function showError(message) {
    const p = $("report-error");
    p.textContent = message;
    p.hidden = !message;
  }

  // The report and the period's cases. The demo and the rules open cases all the time, so
  // the two are read again (up to three times) until the list holds every case the report
  // counts, and (for the whole country or a province account) no other.
  async function load(q) {
    $("report").dataset.state = "loading";
    const p = new URLSearchParams({ from: `${q.from}T00:00:00Z`, to: `${nextDay(q.to)}T00:00:00Z` });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let r = null;
      let failure = null;
      try {
        r = await api(reportUrl(q, null));
      } catch (e) {
        if (e.status === 401) return;
        // An operator reads the cases but not the report.
        failure = e.status === 403 && !canWrite() ? { key: "forbidden_report" } : { detail: e.message };
      }
      let list;
      try {
        list = await api(`/api/v1/compliance/cases?${p}`);
      } catch (e) {
        if (e.status === 401) return;
        list = { cases: [], truncated: false };
        failure = failure || { detail: e.message };
      }
      report = r;
      reportFailure = failure;
      cases = list.cases;
      truncated = Boolean(list.truncated);
      if (!r || truncated) break;
      const listed = new Set(cases.map((c) => c.id));
      const counted = new Set(r.cases.map((c) => c.id));
      const complete = [...counted].every((id) => listed.has(id));
      const exact = q.province && !(me && me.province) ? true : cases.every((c) => counted.has(c.id));
      if (complete && exact) break;
    }
    query = q;
    render();
    loads += 1;
    $("report").dataset.state = report ? "shown" : "failed";
    document.body.dataset.loads = String(loads);
  }

  function render() {
    showError(!reportFailure ? "" : reportFailure.key ? t(reportFailure.key) : `${t("failed")}: ${reportFailure.detail}`);
    renderReport();
    renderCases();
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = `Hải đăng · ${t("title")}`;
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
    $("lang-toggle").textContent = t("lang_other");
    if (query) render();
  }

  $("lang-toggle").addEventListener("click", () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("haidang.lang", lang);
    applyLanguage();
  });
  $("logout").addEventListener("click", async () => {
    try { await fetch("/api/v1/logout", { method: "POST", credentials: "same-origin" }); } finally { window.location.assign("/login"); }
  });
  $("report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = { from: $("report-from").value, to: $("report-to").value, province: $("report-province").value.trim() };
    if (!q.from || !q.to) return;
    openForm = null;
    showError(t("loading"));
    load(q).catch((e) => showError(`${t("failed")}: ${e.message}`));
  });

  window.haidang = { problems: () => problems.slice() };

  (async function start() {
    const [from, to] = previousMonth();
    $("report-from").value = from;
    $("report-to").value = to;
    applyLanguage();
    try {
      me = await api("/api/v1/me");
      $("me").textContent = `${me.name} (${me.role}${me.province ? " · " + me.province : ""})`;
      if (me.province) {
        $("report-province").value = me.province;
        $("report-province").readOnly = true;
      }
      window.haidangReports = { ready: true };
    } catch (e) { showError(`${t("failed")}: ${e.message}`); }
  })();
})();
