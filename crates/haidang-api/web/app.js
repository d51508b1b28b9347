// Haidang live map: every boat on one canvas, zones, alerts, live updates.
//
// Plain script, no build step, no framework, no request to anywhere but this server.
// Data in: GET /api/v1/vessels (latest positions, GeoJSON), /api/v1/zones, the basemap,
// /api/v1/alerts?status=open, the server-sent events of /api/v1/stream (`positions` every
// second, `alert` as raised), and per boat /api/v1/vessels/{key}/track and
// /api/v1/vessels/{key}. When the stream is down the page polls /api/v1/vessels every 10 s.
//
// Tests drive it through window.haidang (vesselCount, renderedCount, selectVessel,
// firstFrameMs) and the ids and data-testid attributes of index.html.
"use strict";

(function () {
  // Script errors and Content-Security-Policy violations, for the end-to-end test (which
  // fails on any) and for whoever opens the console.
  const problems = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    problems.push(`CSP ${e.violatedDirective}: ${e.blockedURI || "inline"}`));
  window.addEventListener("error", (e) => problems.push(`error: ${e.message}`));
  window.addEventListener("unhandledrejection", (e) => problems.push(`unhandled rejection: ${e.reason}`));

  // ---------------------------------------------------------------------------------
  // Strings: every piece of UI text, in Vietnamese and English.

  const STRINGS = {
    vi: {
      title: "Bản đồ trực tiếp",
      search_placeholder: "Tìm tàu: tên, MMSI, số đăng ký",
      operator: "Trực ban",
      logout: "Đăng xuất",
      cases: "Hồ sơ lãnh sự",
      reports: "Báo cáo IUU",
      open_case: "Mở hồ sơ",
      operator_placeholder: "Tên người trực",
      operator_needed: "Nhập tên người trực trước khi xác nhận",
      lang_other: "English",
      close: "Đóng",
      alerts: "Cảnh báo đang mở",
      no_alerts: "Không có cảnh báo đang mở.",
      alerts_unavailable: "Chưa lấy được danh sách cảnh báo (máy chủ chưa hỗ trợ hoặc lỗi).",
      more_alerts: "và {n} cảnh báo khác",
      acknowledge: "Xác nhận",
      acknowledging: "Đang xác nhận…",
      acknowledged_by: "Đã xác nhận bởi {who} lúc {at}",
      ack_failed: "Xác nhận thất bại: {why}",
      delayed: "dữ liệu trễ",
      live: "Trực tiếp",
      polling: "Cập nhật mỗi 10 giây",
      offline: "Mất kết nối",
      connecting: "Đang kết nối…",
      boats: "{n} tàu",
      last_update: "cập nhật {ago}",
      legend_boats: "Tàu",
      legend_zones: "Vùng biển (gần đúng)",
      show_zones: "Hiện vùng biển",
      st_domestic: "Trong vùng biển Việt Nam",
      st_near_boundary: "Gần ranh giới",
      st_undelimited: "Vùng chưa phân định",
      st_foreign: "Vùng biển nước ngoài",
      st_silent: "Mất tín hiệu",
      st_distress: "Cấp cứu",
      z_vn: "Việt Nam (nội thủy, lãnh hải, EEZ)",
      z_joint: "Vùng nước lịch sử chung",
      z_undelimited: "Chưa phân định / tranh chấp",
      z_foreign: "Nước ngoài",
      z_high_seas: "Biển cả",
      z_port: "Cảng cá",
      k_approach: "Gần ranh giới",
      k_entered_foreign: "Vào vùng biển nước ngoài",
      k_entered_undelimited: "Vào vùng chưa phân định",
      k_exited: "Rời vùng",
      k_silent_6h: "Mất tín hiệu 6 giờ",
      k_silent_10d: "Mất tín hiệu 10 ngày",
      k_provider_outage: "Sự cố nhà cung cấp VMS",
      k_distress: "CẤP CỨU",
      k_possible_detention: "Có thể bị bắt giữ",
      k_implausible_track: "Hành trình bất thường",
      f_vessel: "Mã tàu",
      f_mmsi: "MMSI",
      f_registration: "Số đăng ký",
      f_zone: "Vùng",
      f_fix_time: "Thời điểm định vị",
      f_received_at: "Thời điểm nhận",
      f_position: "Vị trí",
      f_speed: "Tốc độ / hướng",
      f_source: "Nguồn",
      f_age: "Cách đây",
      f_zone_name: "Tên vùng",
      f_nearest_line: "Ranh giới gần nhất",
      track_loading: "Đang tải hành trình 24 giờ…",
      track_loaded: "Hành trình 24 giờ: {n} vị trí",
      track_empty: "Không có vị trí nào trong 24 giờ qua",
      track_failed: "Không tải được hành trình: {why}",
      no_match: "Không tìm thấy tàu",
      ago_s: "{n} giây trước",
      ago_m: "{n} phút trước",
      ago_h: "{n} giờ trước",
      ago_d: "{n} ngày trước",
      zone_here: "Vùng tại điểm này",
      no_zone: "Không thuộc vùng nào đã biết",
      zones_approx: "Gần đúng, không phải đường ranh giới pháp lý.",
      outside_basemap: "Ngoài phạm vi bản đồ nền",
      unknown: "không rõ",
    },
    en: {
      title: "Live map",
      search_placeholder: "Find a boat: name, MMSI, registration",
      operator: "Operator",
      logout: "Log out",
      cases: "Consular cases",
      reports: "IUU report",
      open_case: "Open a case",
      operator_placeholder: "Your name",
      operator_needed: "Enter your name before acknowledging",
      lang_other: "Tiếng Việt",
      close: "Close",
      alerts: "Open alerts",
      no_alerts: "No open alerts.",
      alerts_unavailable: "Could not load the alerts (not supported by this server yet, or an error).",
      more_alerts: "and {n} more",
      acknowledge: "Acknowledge",
      acknowledging: "Acknowledging…",
      acknowledged_by: "Acknowledged by {who} at {at}",
      ack_failed: "Acknowledge failed: {why}",
      delayed: "late data",
      live: "Live",
      polling: "Updating every 10 s",
      offline: "Disconnected",
      connecting: "Connecting…",
      boats: "{n} boats",
      last_update: "updated {ago}",
      legend_boats: "Boats",
      legend_zones: "Zones (approximate)",
      show_zones: "Show zones",
      st_domestic: "In Vietnamese waters",
      st_near_boundary: "Near a boundary",
      st_undelimited: "Undelimited waters",
      st_foreign: "Foreign waters",
      st_silent: "Silent",
      st_distress: "Distress",
      z_vn: "Viet Nam (internal, territorial, EEZ)",
      z_joint: "Joint historic waters",
      z_undelimited: "Undelimited / disputed",
      z_foreign: "Foreign",
      z_high_seas: "High seas",
      z_port: "Fishing port",
      k_approach: "Near a boundary",
      k_entered_foreign: "Entered foreign waters",
      k_entered_undelimited: "Entered undelimited waters",
      k_exited: "Left a zone",
      k_silent_6h: "Silent for 6 h",
      k_silent_10d: "Silent for 10 days",
      k_provider_outage: "VMS provider outage",
      k_distress: "DISTRESS",
      k_possible_detention: "Possible detention",
      k_implausible_track: "Implausible track",
      f_vessel: "Vessel key",
      f_mmsi: "MMSI",
      f_registration: "Registration",
      f_zone: "Zone",
      f_fix_time: "Fix time",
      f_received_at: "Received",
      f_position: "Position",
      f_speed: "Speed / course",
      f_source: "Source",
      f_age: "Age",
      f_zone_name: "Zone name",
      f_nearest_line: "Nearest boundary",
      track_loading: "Loading the last 24 hours of track…",
      track_loaded: "Track, last 24 h: {n} fixes",
      track_empty: "No fix in the last 24 hours",
      track_failed: "Could not load the track: {why}",
      no_match: "No boat found",
      ago_s: "{n} s ago",
      ago_m: "{n} min ago",
      ago_h: "{n} h ago",
      ago_d: "{n} days ago",
      zone_here: "Zones at this point",
      no_zone: "In no known zone",
      zones_approx: "Approximate, not legal lines.",
      outside_basemap: "Outside the basemap",
      unknown: "unknown",
    },
  };

  let lang = localStorage.getItem("haidang.lang") === "en" ? "en" : "vi";

  function t(key, args) {
    let s = STRINGS[lang][key];
    if (s === undefined) s = STRINGS.en[key] !== undefined ? STRINGS.en[key] : key;
    if (args) for (const k of Object.keys(args)) s = s.split("{" + k + "}").join(String(args[k]));
    return s;
  }

  // ---------------------------------------------------------------------------------
  // Small helpers.

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "text") e.textContent = v;
        else if (k === "class") e.className = v;
        else e.setAttribute(k, v === true ? "" : v);
      }
    }
    for (const c of children || []) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  const pad = (n) => String(n).padStart(2, "0");

  // "2026-11-23 03:00:12 UTC (10:00 giờ VN)": operators work in UTC, and think in UTC+7.
  function formatUtc(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const utc = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
    const vn = new Date(d.getTime() + 7 * 3600e3);
    return `${utc} (${pad(vn.getUTCHours())}:${pad(vn.getUTCMinutes())} UTC+7)`;
  }

  function shortUtc(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "—";
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  }

  function ago(ms) {
    if (!isFinite(ms)) return t("unknown");
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 90) return t("ago_s", { n: s });
    if (s < 90 * 60) return t("ago_m", { n: Math.round(s / 60) });
    if (s < 48 * 3600) return t("ago_h", { n: Math.round(s / 3600) });
    return t("ago_d", { n: Math.round(s / 86400) });
  }

  // 10°25.312'N 107°03.100'E, the form charts and radios use.
  function formatPosition(lat, lon) {
    const part = (v, pos, neg) => {
      const a = Math.abs(v);
      const deg = Math.floor(a);
      const min = (a - deg) * 60;
      return `${deg}°${min.toFixed(3).padStart(6, "0")}'${v >= 0 ? pos : neg}`;
    };
    return `${part(lat, "N", "S")} ${part(lon, "E", "W")}`;
  }

  // Lower case, without Vietnamese diacritics, so "ca mau" finds "Cà Mau".
  function fold(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  async function getJson(url, options) {
    const response = await fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options));
    // The session ended (expired, logged out elsewhere): log in again.
    if (response.status === 401) window.location.assign("/login");
    if (!response.ok) {
      let detail = "";
      try { detail = (await response.json()).detail || ""; } catch (_) { /* not problem+json */ }
      const error = new Error(`HTTP ${response.status}${detail ? ": " + detail : ""}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // ---------------------------------------------------------------------------------
  // Boats: what the page knows of each vessel.

  // Drawn in this order, so that the rarer and more urgent states are on top.
  const STATUSES = ["domestic", "silent", "near_boundary", "undelimited", "foreign", "distress"];
  const STATUS_STYLE = {
    domestic: { color: "#2e7d32", r: 3.2 },
    silent: { color: "#616161", r: 4, hollow: true },
    near_boundary: { color: "#f2a900", r: 4.6 },
    undelimited: { color: "#8e24aa", r: 4.8 },
    foreign: { color: "#d32f2f", r: 5.2 },
    distress: { color: "#ff00b4", r: 7 },
  };

  const boats = new Map(); // vessel key -> boat
  let initialLoaded = false; // the first GET /api/v1/vessels is in
  const hidden = new Set(); // statuses switched off in the legend
  let selectedKey = null;

  function statusOf(props) {
    const s = props && props.status;
    return STATUS_STYLE[s] ? s : "domestic";
  }

  function mmsiOf(key) {
    return key.startsWith("mmsi:") ? key.slice(5) : (key.match(/^\d{9}$/) ? key : "");
  }

  function registrationOf(key, props) {
    if (props && props.registration) return props.registration;
    return key.startsWith("reg:") ? key.slice(4) : "";
  }

  function nameOf(boat) {
    return boat.props.name || boat.props.vessel_name || boat.props.ship_name || "";
  }

  function label(boat) {
    const name = nameOf(boat);
    return name ? `${name} (${boat.key})` : boat.key;
  }

  // A feature of GET /api/v1/vessels into the boat table.
  function upsertFeature(f) {
    const props = f.properties || {};
    const key = props.vessel || f.id;
    const c = f.geometry && f.geometry.coordinates;
    if (!key || !c) return;
    let boat = boats.get(key);
    if (!boat) {
      boat = { key, props: {}, lon: 0, lat: 0, fixMs: -Infinity, zoom: -1, px: 0, py: 0 };
      boats.set(key, boat);
    }
    boat.props = props;
    boat.status = statusOf(props);
    boat.lon = c[0];
    boat.lat = c[1];
    boat.fixMs = Date.parse(props.fix_time);
    boat.zoom = -1;
    boat.search = fold([key, props.name, props.vessel_name, props.ship_name, props.callsign,
      props.registration, props.mmsi].filter(Boolean).join(" "));
  }

  // One entry of the stream's `positions` event. A late fix never moves a boat back.
  function applyPosition(p) {
    if (!p || !p.vessel || typeof p.lon !== "number" || typeof p.lat !== "number") return;
    const fixMs = Date.parse(p.fix_time);
    let boat = boats.get(p.vessel);
    if (!boat) {
      upsertFeature({
        properties: { vessel: p.vessel, fix_time: p.fix_time, received_at: p.received_at },
        geometry: { coordinates: [p.lon, p.lat] },
      });
      boat = boats.get(p.vessel);
    } else if (fixMs < boat.fixMs) {
      return;
    }
    boat.lon = p.lon;
    boat.lat = p.lat;
    boat.fixMs = fixMs;
    boat.zoom = -1;
    const props = boat.props;
    props.fix_time = p.fix_time;
    props.received_at = p.received_at;
    if (p.sog !== undefined) props.sog_knots = p.sog;
    if (p.cog !== undefined) props.cog_degrees = p.cog;
    if (p.heading !== undefined) props.heading_degrees = p.heading;
    props.age_s = 0;
    // A silent boat heard again is not silent any more; its zone comes with the next refresh.
    if (boat.status === "silent") { boat.status = "domestic"; props.status = "domestic"; }
    if (p.vessel === selectedKey) {
      extendTrack(boat);
      renderVesselFacts(boat);
    }
  }

  // What an alert says about its boat's state, until the next full refresh.
  const STATUS_FROM_ALERT = {
    approach: "near_boundary",
    entered_foreign: "foreign",
    entered_undelimited: "undelimited",
    silent_6h: "silent",
    silent_10d: "silent",
    distress: "distress",
    possible_detention: "foreign",
  };

  // Applied to live alerts only: the vessels list already carries the server's status,
  // and old alerts replayed over it would undo newer ones.
  function applyAlertToBoat(alert) {
    const boat = alert.vessel && boats.get(alert.vessel);
    if (!boat || alert.status === "resolved") return;
    let status = STATUS_FROM_ALERT[alert.kind];
    if (alert.kind === "exited" && alert.zone_id && alert.zone_id === boat.props.zone_id) status = "domestic";
    if (!status) return;
    // Distress outranks everything; an approach only warns a boat that was in home waters.
    if (boat.status === "distress" && status !== "distress") return;
    if (alert.kind === "approach" && boat.status !== "domestic") return;
    boat.status = status;
    boat.props.status = status;
    if (alert.kind !== "exited" && alert.kind !== "approach") {
      if (alert.zone_class) boat.props.zone_class = alert.zone_class;
      if (alert.zone_id) boat.props.zone_id = alert.zone_id;
      if (alert.country) boat.props.country = alert.country;
    }
  }

  // ---------------------------------------------------------------------------------
  // The map.

  const DEFAULT_VIEW = { lat: 12.5, lon: 111, zoom: 5 };
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem("haidang.view") || "null"); } catch (_) { saved = null; }
  const view = saved && isFinite(saved.lat) && isFinite(saved.lon) && isFinite(saved.zoom) ? saved : DEFAULT_VIEW;

  const map = L.map("map", {
    center: [view.lat, view.lon],
    zoom: view.zoom,
    minZoom: 3,
    maxZoom: 15,
    maxBounds: [[-30, 60], [55, 165]],
    worldCopyJump: false,
    attributionControl: true,
  });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Natural Earth (public domain)");
  map.on("moveend", () => {
    const c = map.getCenter();
    localStorage.setItem("haidang.view", JSON.stringify({ lat: c.lat, lon: c.lng, zoom: map.getZoom() }));
  });

  for (const [name, z] of [["basemap", 250], ["zones", 300], ["track", 420], ["boats", 450], ["pulse", 460]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  map.getPane("basemap").style.pointerEvents = "none";
  map.getPane("zones").style.pointerEvents = "none";
  map.getPane("pulse").style.pointerEvents = "none";

  // The canvas all boats are drawn on. Leaflet's own canvas renderer keeps one object
  // and one hit-test per marker; this layer keeps one small record per boat, projects it
  // once per zoom level and fills each status's boats as one path.
  const BoatLayer = L.Layer.extend({
    options: { padding: 0.3 },

    onAdd(map) {
      this._canvas = L.DomUtil.create("canvas", "boat-canvas leaflet-zoom-animated");
      this._ctx = this._canvas.getContext("2d");
      this.getPane().appendChild(this._canvas);
      this._xs = new Float32Array(0);
      this._ys = new Float32Array(0);
      this._keys = [];
      this._drawn = 0;
      this._pending = false;
      this._reset();
    },

    onRemove() {
      L.DomUtil.remove(this._canvas);
    },

    getEvents() {
      return {
        viewreset: this._reset,
        zoom: this._onZoom,
        moveend: this._reset,
        resize: this._reset,
        zoomanim: this._animateZoom,
      };
    },

    // Sizes and places the canvas over the view (plus padding), then draws.
    _reset() {
      const map = this._map;
      const size = map.getSize();
      const p = this.options.padding;
      const min = map.containerPointToLayerPoint(size.multiplyBy(-p)).round();
      this._bounds = L.bounds(min, min.add(size.multiplyBy(1 + 2 * p)).round());
      this._center = map.getCenter();
      this._zoom = map.getZoom();
      const dpr = window.devicePixelRatio || 1;
      const w = this._bounds.getSize();
      if (this._canvas.width !== Math.round(w.x * dpr) || this._canvas.height !== Math.round(w.y * dpr)) {
        this._canvas.width = Math.round(w.x * dpr);
        this._canvas.height = Math.round(w.y * dpr);
        this._canvas.style.width = w.x + "px";
        this._canvas.style.height = w.y + "px";
      }
      L.DomUtil.setPosition(this._canvas, min);
      this._draw();
    },

    _onZoom() {
      this._updateTransform(this._map.getCenter(), this._map.getZoom());
    },

    _animateZoom(e) {
      this._updateTransform(e.center, e.zoom);
    },

    // As Leaflet's own renderers do: scale the drawn canvas while the zoom animates.
    _updateTransform(center, zoom) {
      const map = this._map;
      const scale = map.getZoomScale(zoom, this._zoom);
      const viewHalf = map.getSize().multiplyBy(0.5 + this.options.padding);
      const currentCenterPoint = map.project(this._center, zoom);
      const topLeftOffset = viewHalf.multiplyBy(-scale).add(currentCenterPoint)
        .subtract(map._getNewPixelOrigin(center, zoom));
      L.DomUtil.setTransform(this._canvas, topLeftOffset, scale);
    },

    // Draws at the next animation frame; many updates in one frame make one draw.
    redraw() {
      if (this._pending || !this._map) return;
      this._pending = true;
      requestAnimationFrame(() => {
        this._pending = false;
        if (this._map) this._draw();
      });
    },

    _draw() {
      const map = this._map;
      const ctx = this._ctx;
      const dpr = window.devicePixelRatio || 1;
      const zoom = this._zoom;
      const size = this._bounds.getSize();
      const origin = map.getPixelOrigin().add(this._bounds.min);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);

      const n = boats.size;
      if (this._xs.length < n) {
        this._xs = new Float32Array(n * 1.25 + 64);
        this._ys = new Float32Array(n * 1.25 + 64);
      }
      const xs = this._xs, ys = this._ys, keys = this._keys;
      keys.length = 0;
      const buckets = {};
      for (const s of STATUSES) buckets[s] = [];
      const small = zoom < 5 ? 0.8 : 1;
      const margin = 10;

      for (const boat of boats.values()) {
        if (hidden.has(boat.status)) continue;
        if (boat.zoom !== zoom) {
          const p = map.project([boat.lat, boat.lon], zoom);
          boat.px = p.x;
          boat.py = p.y;
          boat.zoom = zoom;
        }
        const x = boat.px - origin.x;
        const y = boat.py - origin.y;
        if (x < -margin || y < -margin || x > size.x + margin || y > size.y + margin) continue;
        const i = keys.length;
        xs[i] = x;
        ys[i] = y;
        keys.push(boat.key);
        buckets[boat.status].push(i);
      }

      let selected = -1;
      const headings = zoom >= 9;
      for (const status of STATUSES) {
        const list = buckets[status];
        if (list.length === 0) continue;
        const style = STATUS_STYLE[status];
        const r = style.r * (status === "domestic" ? small : 1);
        ctx.beginPath();
        for (const i of list) {
          ctx.moveTo(xs[i] + r, ys[i]);
          ctx.arc(xs[i], ys[i], r, 0, 2 * Math.PI);
        }
        if (style.hollow) {
          ctx.fillStyle = "rgba(255,255,255,0.85)";
          ctx.fill();
          ctx.lineWidth = 2;
          ctx.strokeStyle = style.color;
          ctx.stroke();
        } else {
          // A thin light halo first, then the fill over its inner half: small dots keep
          // their colour and still stand out on land, sea and zone fills.
          ctx.lineWidth = 1.5;
          ctx.strokeStyle = "rgba(255,255,255,0.85)";
          ctx.stroke();
          ctx.fillStyle = style.color;
          ctx.fill();
        }
        if (headings) {
          // A short tick in the direction of travel.
          ctx.beginPath();
          for (const i of list) {
            const props = boats.get(keys[i]).props;
            const course = props.cog_degrees ?? props.heading_degrees;
            if (typeof course !== "number" || course >= 360) continue;
            const a = (course * Math.PI) / 180;
            ctx.moveTo(xs[i] + Math.sin(a) * r, ys[i] - Math.cos(a) * r);
            ctx.lineTo(xs[i] + Math.sin(a) * (r + 9), ys[i] - Math.cos(a) * (r + 9));
          }
          ctx.lineWidth = 1.5;
          ctx.strokeStyle = style.color;
          ctx.stroke();
        }
      }
      if (selectedKey) selected = keys.indexOf(selectedKey);
      if (selected >= 0) {
        ctx.beginPath();
        ctx.arc(xs[selected], ys[selected], 11, 0, 2 * Math.PI);
        ctx.lineWidth = 3;
        ctx.strokeStyle = "#000";
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(xs[selected], ys[selected], 11, 0, 2 * Math.PI);
        ctx.lineWidth = 1;
        ctx.strokeStyle = "#fff";
        ctx.stroke();
      }
      this._drawn = keys.length;
      this._buckets = buckets;
      onFrameDrawn(keys.length);
    },

    // The key of the boat nearest to a container point, within `radius` pixels; urgent
    // boats win ties with quiet ones nearby.
    hit(containerPoint, radius) {
      if (!this._bounds) return null;
      const p = this.options.padding;
      const size = this._map.getSize();
      const x = containerPoint.x + size.x * p;
      const y = containerPoint.y + size.y * p;
      let best = null, bestScore = Infinity;
      for (let i = 0; i < this._keys.length; i++) {
        const dx = this._xs[i] - x, dy = this._ys[i] - y;
        const d2 = dx * dx + dy * dy;
        if (d2 > radius * radius) continue;
        const boat = boats.get(this._keys[i]);
        const urgency = boat ? STATUSES.indexOf(boat.status) : 0;
        const score = d2 - urgency * 4;
        if (score < bestScore) { bestScore = score; best = this._keys[i]; }
      }
      return best;
    },

    renderedCount() {
      return this._drawn || 0;
    },

    isolated(gap) {
      const size = this._map.getSize();
      const p = this.options.padding;
      const n = Math.min(this._keys.length, 3000);
      const cx = (i) => this._xs[i] - size.x * p;
      const cy = (i) => this._ys[i] - size.y * p;
      for (let i = 0; i < n; i++) {
        const x = cx(i), y = cy(i);
        // Clear of the zoom buttons (top left), the legend (bottom left) and the edges.
        if (x < 260 || y < 80 || x > size.x - 40 || y > size.y - 60) continue;
        let alone = true;
        for (let j = 0; j < this._keys.length && alone; j++) {
          if (j === i) continue;
          const dx = cx(j) - x, dy = cy(j) - y;
          if (dx * dx + dy * dy < gap * gap) alone = false;
        }
        if (alone) return this._keys[i];
      }
      return null;
    },
  });

  const boatLayer = new BoatLayer({ pane: "boats" });

  // Boats in distress also get a pulsing ring (a few DOM markers, animated by CSS).
  const pulses = new Map();
  function updatePulses() {
    const now = new Set();
    for (const boat of boats.values()) {
      if (boat.status !== "distress") continue;
      now.add(boat.key);
      let m = pulses.get(boat.key);
      if (!m) {
        m = L.marker([boat.lat, boat.lon], {
          pane: "pulse",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ className: "distress-pulse", html: el("div"), iconSize: [34, 34] }),
        }).addTo(map);
        pulses.set(boat.key, m);
      } else {
        m.setLatLng([boat.lat, boat.lon]);
      }
    }
    for (const [key, m] of pulses) {
      if (!now.has(key)) { m.remove(); pulses.delete(key); }
    }
  }

  // The first frame with every boat of the first load: window.haidang.firstFrameMs.
  const api = {
    firstFrameMs: null,
    vesselCount: () => boats.size,
    renderedCount: () => boatLayer.renderedCount(),
    selectVessel: (key) => selectVessel(key, { pan: true }),
    streamState: () => connState,
    openAlertCount: () => [...alerts.values()].filter((a) => a.status === "open").length,
    problems: () => problems.slice(),
    // Where a boat is drawn, in viewport pixels (for a real click), or null.
    screenPoint: (key) => {
      const boat = boats.get(key);
      if (!boat) return null;
      const p = map.latLngToContainerPoint([boat.lat, boat.lon]);
      const box = map.getContainer().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
    // A drawn boat with no other within `gap` pixels, clear of the map's edges and
    // controls, so that a click there can only mean it; null when there is none.
    isolatedBoat: (gap) => boatLayer.isolated(gap),
  };
  window.haidang = api;
  boatLayer.addTo(map);

  function onFrameDrawn() {
    if (initialLoaded && api.firstFrameMs === null) {
      api.firstFrameMs = Math.round(performance.now());
      document.documentElement.dataset.firstFrameMs = String(api.firstFrameMs);
    }
    updateCounts();
  }

  // Click: the boat under the pointer, else the zones at that point.
  map.on("click", (e) => {
    const key = boatLayer.hit(e.containerPoint, 10);
    if (key) selectVessel(key, { pan: false });
    else showZonesAt(e.latlng);
  });

  // Hover: the boat's name in a tooltip, and a pointer cursor.
  const hoverTip = L.tooltip({ direction: "top", offset: [0, -8], className: "boat-tip" });
  let hoverPoint = null;
  let hoverScheduled = false;
  map.on("mousemove", (e) => {
    hoverPoint = e.containerPoint;
    if (hoverScheduled) return;
    hoverScheduled = true;
    requestAnimationFrame(() => {
      hoverScheduled = false;
      const point = hoverPoint;
      const key = boatLayer.hit(point, 8);
      map.getContainer().classList.toggle("leaflet-interactive", Boolean(key));
      if (key) {
        const boat = boats.get(key);
        hoverTip.setLatLng([boat.lat, boat.lon]).setContent(`${label(boat)} · ${t("st_" + boat.status)}`);
        if (!map.hasLayer(hoverTip)) hoverTip.addTo(map);
      } else if (map.hasLayer(hoverTip)) {
        map.removeLayer(hoverTip);
      }
    });
  });
  map.on("mouseout", () => { if (map.hasLayer(hoverTip)) map.removeLayer(hoverTip); });

  // ---------------------------------------------------------------------------------
  // Basemap and zones.

  async function loadBasemap() {
    const data = await getJson("/assets/basemap.geojson");
    const renderer = L.canvas({ pane: "basemap", padding: 0.3 });
    L.geoJSON(data, {
      renderer,
      interactive: false,
      filter: (f) => f.properties.kind !== "label",
      style: (f) => f.properties.kind === "land"
        ? { stroke: true, color: "#a79c86", weight: 0.8, fillColor: "#f1ece0", fillOpacity: 1 }
        : { color: "#9c8f78", weight: 1, dashArray: "5 4", fill: false },
    }).addTo(map);
    // The basemap stops at its box: grey out what lies beyond, so that the box's edges
    // are not mistaken for coasts.
    const [w, s, e, n] = data.bbox || [95, -3, 130, 28];
    L.polygon([[[-85, -179], [-85, 179], [85, 179], [85, -179]], [[s, w], [n, w], [n, e], [s, e]]], {
      renderer, interactive: false, stroke: true, color: "#8a96a3", weight: 1, dashArray: "2 4",
      fillColor: "#c3ccd5", fillOpacity: 0.85,
    }).addTo(map);
    for (const f of data.features) {
      if (f.properties.kind !== "label") continue;
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], {
        pane: "basemap",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "country-label", html: el("div", { text: f.properties.name }), iconSize: null }),
      }).addTo(map);
    }
  }

  const ZONE_STYLE = {
    vn_internal: { color: "#3f7fd0", fillOpacity: 0.10, weight: 1 },
    vn_territorial: { color: "#3f7fd0", fillOpacity: 0.08, weight: 1 },
    vn_eez: { color: "#2d64ad", fillOpacity: 0.05, weight: 1.5 },
    joint: { color: "#16a085", fillOpacity: 0.15, weight: 1.2, dashArray: "6 4" },
    undelimited: { color: "#8e44ad", fillOpacity: 0.16, weight: 1.4, dashArray: "6 4" },
    foreign: { color: "#c0392b", fillOpacity: 0.07, weight: 1.3 },
    high_seas: { color: "#7f8c8d", fillOpacity: 0.04, weight: 1 },
    port: { color: "#27ae60", fillOpacity: 0.25, weight: 1 },
  };
  let zonesData = null;
  let zonesLayer = null;

  function zoneClassOf(f) {
    const p = f.properties || {};
    return p.class || p.zone_class || p.kind || "";
  }

  async function loadZones() {
    zonesData = await getJson("/api/v1/zones");
    const renderer = L.canvas({ pane: "zones", padding: 0.3 });
    // Big, low-precedence zones first, ports last, so that the specific ones stay visible.
    const order = ["high_seas", "foreign", "vn_eez", "vn_territorial", "vn_internal", "joint", "undelimited", "port"];
    const features = (zonesData.features || []).slice().sort(
      (a, b) => order.indexOf(zoneClassOf(a)) - order.indexOf(zoneClassOf(b)));
    zonesLayer = L.geoJSON({ type: "FeatureCollection", features }, {
      renderer,
      interactive: false,
      style: (f) => {
        const s = ZONE_STYLE[zoneClassOf(f)] || { color: "#555", fillOpacity: 0.05, weight: 1 };
        return Object.assign({ fillColor: s.color, opacity: 0.8 }, s);
      },
    });
    if (localStorage.getItem("haidang.zones") !== "off") zonesLayer.addTo(map);
    const toggle = $("zones-toggle");
    if (toggle) toggle.checked = map.hasLayer(zonesLayer);
  }

  // Ray casting over one ring of [lon, lat].
  function inRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function inGeometry(lon, lat, g) {
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polygons.some((rings) => inRing(lon, lat, rings[0]) && !rings.slice(1).some((h) => inRing(lon, lat, h)));
  }

  function showZonesAt(latlng) {
    if (!zonesData) return;
    const hits = (zonesData.features || []).filter((f) => f.geometry && inGeometry(latlng.lng, latlng.lat, f.geometry));
    const body = el("div", { class: "zone-popup" }, [el("strong", { text: t("zone_here") })]);
    if (hits.length === 0) body.append(el("p", { text: t("no_zone") }));
    else {
      const dl = el("dl");
      for (const f of hits) {
        const p = f.properties || {};
        dl.append(el("dt", { text: zoneClassOf(f) + (p.country ? " · " + p.country : "") }), el("dd", { text: p.name || p.id || f.id || "" }));
      }
      body.append(dl);
    }
    body.append(el("p", { class: "approx", text: t("zones_approx") }));
    L.popup({ maxWidth: 340 }).setLatLng(latlng).setContent(body).openOn(map);
  }

  // ---------------------------------------------------------------------------------
  // Legend: colours, counts, and a switch per status.

  const Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd() {
      const box = el("div", { class: "legend", id: "legend", "data-testid": "legend" });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      this._box = box;
      this.render();
      return box;
    },
    render() {
      const box = this._box;
      if (!box) return;
      box.replaceChildren();
      box.append(el("h3", { text: t("legend_boats") }));
      const counts = countByStatus();
      for (const status of STATUSES.slice().reverse()) {
        const button = el("button", {
          type: "button",
          "data-status": status,
          "aria-pressed": hidden.has(status) ? "false" : "true",
        }, [
          el("span", { class: `sw ${status}` }),
          el("span", { text: t("st_" + status) }),
          el("span", { class: "n", id: `count-${status}`, text: String(counts[status] || 0) }),
        ]);
        button.addEventListener("click", () => {
          if (hidden.has(status)) hidden.delete(status); else hidden.add(status);
          button.setAttribute("aria-pressed", hidden.has(status) ? "false" : "true");
          boatLayer.redraw();
        });
        box.append(button);
      }
      box.append(el("h3", { text: t("legend_zones") }));
      for (const [cls, key] of [["z-vn", "z_vn"], ["z-joint", "z_joint"], ["z-undelimited", "z_undelimited"],
        ["z-foreign", "z_foreign"], ["z-high_seas", "z_high_seas"], ["z-port", "z_port"]]) {
        box.append(el("div", {}, [el("span", { class: `sw zone ${cls}` }), " ", t(key)]));
      }
      const toggle = el("input", { type: "checkbox", id: "zones-toggle" });
      toggle.checked = !zonesLayer || map.hasLayer(zonesLayer);
      toggle.addEventListener("change", () => {
        if (!zonesLayer) return;
        if (toggle.checked) zonesLayer.addTo(map); else map.removeLayer(zonesLayer);
        localStorage.setItem("haidang.zones", toggle.checked ? "on" : "off");
      });
      box.append(el("label", {}, [toggle, t("show_zones")]));
    },
  });
  const legend = new Legend().addTo(map);

  function countByStatus() {
    const counts = {};
    for (const boat of boats.values()) counts[boat.status] = (counts[boat.status] || 0) + 1;
    return counts;
  }

  let lastData = 0; // when the last vessel data arrived (ms)
  function updateCounts() {
    const counts = countByStatus();
    for (const status of STATUSES) {
      const cell = $(`count-${status}`);
      if (cell) cell.textContent = String(counts[status] || 0);
    }
    $("counts").textContent = t("boats", { n: boats.size.toLocaleString() });
  }

  // ---------------------------------------------------------------------------------
  // The selected vessel: its facts, its detail and its last 24 hours of track.

  let trackLayer = null;
  let trackLatLngs = null;
  let selectSeq = 0;

  function fact(dl, label, value) {
    dl.append(el("dt", { text: label }), el("dd", { text: value }));
  }

  function renderVesselFacts(boat) {
    const p = boat.props;
    $("vessel-title").textContent = nameOf(boat) || boat.key;
    const chip = $("vessel-status");
    chip.className = `status-chip st-${boat.status}`;
    chip.textContent = t("st_" + boat.status);
    const dl = $("vessel-facts");
    dl.replaceChildren();
    fact(dl, t("f_vessel"), boat.key);
    const mmsi = p.mmsi || mmsiOf(boat.key);
    if (mmsi) fact(dl, t("f_mmsi"), mmsi);
    const reg = registrationOf(boat.key, p);
    if (reg) fact(dl, t("f_registration"), reg);
    const zone = [p.zone_class, p.zone_id, p.country].filter(Boolean).join(" · ");
    fact(dl, t("f_zone"), zone || t("unknown"));
    fact(dl, t("f_fix_time"), formatUtc(p.fix_time));
    fact(dl, t("f_received_at"), formatUtc(p.received_at));
    fact(dl, t("f_age"), ago(Date.now() - Date.parse(p.received_at || p.fix_time)));
    fact(dl, t("f_position"), formatPosition(boat.lat, boat.lon));
    const sog = typeof p.sog_knots === "number" ? `${p.sog_knots.toFixed(1)} kn` : "—";
    const cog = typeof p.cog_degrees === "number" ? `${Math.round(p.cog_degrees)}°` : "—";
    fact(dl, t("f_speed"), `${sog} / ${cog}`);
    if (p.source) fact(dl, t("f_source"), p.source);
  }

  function setTrackStatus(state, text) {
    const s = $("track-status");
    s.dataset.state = state;
    s.textContent = text;
  }

  async function selectVessel(key, opts) {
    const boat = boats.get(key);
    if (!boat) return false;
    const seq = ++selectSeq;
    selectedKey = key;
    $("vessel-panel").hidden = false;
    $("vessel-panel").dataset.vessel = key;
    renderVesselFacts(boat);
    boatLayer.redraw();
    if (opts && opts.pan) map.panTo([boat.lat, boat.lon]);
    loadDetail(key, seq);
    return loadTrack(key, seq);
  }

  function clearSelection() {
    selectedKey = null;
    selectSeq++;
    $("vessel-panel").hidden = true;
    delete $("vessel-panel").dataset.vessel;
    if (trackLayer) { map.removeLayer(trackLayer); trackLayer = null; }
    trackLatLngs = null;
    boatLayer.redraw();
  }

  async function loadTrack(key, seq) {
    if (trackLayer) { map.removeLayer(trackLayer); trackLayer = null; }
    trackLatLngs = null;
    setTrackStatus("loading", t("track_loading"));
    try {
      const data = await getJson(`/api/v1/vessels/${encodeURIComponent(key)}/track`);
      if (seq !== selectSeq) return false;
      let fixes = 0;
      const lines = [];
      for (const f of data.features || []) {
        const g = f.geometry || {};
        fixes += (f.properties && f.properties.fixes) || 0;
        if (g.type === "LineString") lines.push(g.coordinates);
        else if (g.type === "MultiLineString") lines.push(...g.coordinates);
        else if (g.type === "Point") lines.push([g.coordinates]);
      }
      trackLatLngs = lines.map((line) => line.map(([lon, lat]) => [lat, lon]));
      trackLayer = L.layerGroup([
        L.polyline(trackLatLngs, { pane: "track", color: "#000", weight: 5, opacity: 0.25, interactive: false }),
        L.polyline(trackLatLngs, { pane: "track", color: "#ffb300", weight: 2.5, opacity: 0.95, interactive: false }),
      ]).addTo(map);
      const start = trackLatLngs.length && trackLatLngs[0].length ? trackLatLngs[0][0] : null;
      if (start) {
        trackLayer.addLayer(L.circleMarker(start, { pane: "track", radius: 4, color: "#000", weight: 1, fillColor: "#ffb300", fillOpacity: 1, interactive: false }));
      }
      if (fixes === 0) fixes = lines.reduce((n, l) => n + l.length, 0);
      $("track-status").dataset.fixes = String(fixes);
      setTrackStatus(fixes > 0 ? "loaded" : "empty", fixes > 0 ? t("track_loaded", { n: fixes }) : t("track_empty"));
      return true;
    } catch (e) {
      if (seq === selectSeq) setTrackStatus("error", t("track_failed", { why: e.message }));
      return false;
    }
  }

  // A live fix of the selected boat extends its drawn track.
  function extendTrack(boat) {
    if (!trackLayer || !trackLatLngs) return;
    if (trackLatLngs.length === 0) trackLatLngs.push([]);
    const last = trackLatLngs[trackLatLngs.length - 1];
    last.push([boat.lat, boat.lon]);
    trackLayer.eachLayer((l) => { if (l instanceof L.Polyline) l.setLatLngs(trackLatLngs); });
  }

  // GET /api/v1/vessels/{key}: who the boat is (name, call sign, type...), the zone it is
  // in and the nearest alerting boundary, where the server has them.
  async function loadDetail(key, seq) {
    const box = $("vessel-detail");
    box.hidden = true;
    box.replaceChildren();
    let data;
    try {
      data = await getJson(`/api/v1/vessels/${encodeURIComponent(key)}`);
    } catch (_) {
      return; // Not every server has it yet; the facts above still stand.
    }
    if (seq !== selectSeq || !data || typeof data !== "object") return;
    const identity = data.identity && typeof data.identity === "object" ? data.identity
      : data.properties && typeof data.properties === "object" ? data.properties : {};
    const skip = new Set(["mmsi", "registration", "name"]);
    for (const [k, v] of Object.entries(identity)) {
      if (skip.has(k) || v === null || v === undefined || v === "" || typeof v === "object") continue;
      fact(box, k.replace(/_/g, " "), String(v));
    }
    if (data.zone && typeof data.zone === "object") {
      fact(box, t("f_zone_name"), [data.zone.name, data.zone.country].filter(Boolean).join(" · "));
    }
    const near = data.nearest_boundary;
    if (near && typeof near.distance_meters === "number") {
      fact(box, t("f_nearest_line"), `${(near.distance_meters / 1852).toFixed(1)} nm · ` +
        [near.zone_class, near.zone_id, near.country].filter(Boolean).join(" · "));
    }
    const boat = boats.get(key);
    const name = identity.name;
    if (boat && name && !nameOf(boat)) {
      boat.props.name = name;
      boat.search = fold(boat.search + " " + name);
      $("vessel-title").textContent = name;
    }
    if (boat && STATUS_STYLE[data.status] && data.status !== boat.status) {
      boat.status = data.status;
      boat.props.status = data.status;
      renderVesselFacts(boat);
      boatLayer.redraw();
    }
    box.hidden = box.childElementCount === 0;
  }

  $("vessel-close").addEventListener("click", clearSelection);

  // ---------------------------------------------------------------------------------
  // Alerts.

  const alerts = new Map(); // id -> alert
  const SEVERITY = {
    distress: 0, possible_detention: 1, entered_foreign: 2, entered_undelimited: 3, approach: 4,
    silent_10d: 5, silent_6h: 6, provider_outage: 7, implausible_track: 8, exited: 9,
  };
  const SEVERITY_CLASS = {
    distress: "distress", possible_detention: "foreign", entered_foreign: "foreign",
    entered_undelimited: "undelimited", approach: "near_boundary", silent_6h: "silent", silent_10d: "silent",
  };
  const MAX_SHOWN = 300;
  // Acknowledged alerts stay listed, dimmed, this long.
  const KEEP_ACKNOWLEDGED_MS = 10 * 60e3;
  let alertsAvailable = null;
  let freshIds = new Set();

  function mergeAlert(a, fresh) {
    if (!a || !a.id) return;
    const had = alerts.get(a.id);
    if (a.status === "resolved") {
      alerts.delete(a.id);
      return;
    }
    const merged = Object.assign({}, had || {}, a);
    if (merged.status === "acknowledged" && !merged.ackedLocallyAt) merged.ackedLocallyAt = Date.now();
    alerts.set(a.id, merged);
    if (fresh && !had) {
      freshIds.add(a.id);
      applyAlertToBoat(merged);
    }
  }

  async function loadAlerts() {
    try {
      const open = new Set();
      let cursor = null;
      let complete = false;
      for (let page = 0; page < 10; page++) {
        const url = "/api/v1/alerts?status=open" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
        const data = await getJson(url);
        for (const a of data.alerts || []) { open.add(a.id); mergeAlert(a, false); }
        // `next` is the cursor of the next page, present when this one was full.
        cursor = typeof data.next === "string" && data.next ? data.next : null;
        if (!cursor) { complete = true; break; }
      }
      // Alerts no longer open (acknowledged or resolved by another operator).
      if (complete) {
        for (const [id, a] of alerts) {
          if (a.status === "open" && !open.has(id)) alerts.delete(id);
        }
      }
      alertsAvailable = true;
    } catch (_) {
      alertsAvailable = false;
    }
    renderAlerts();
    updatePulses();
    boatLayer.redraw();
  }

  function alertKindText(kind) {
    const s = t("k_" + kind);
    return s === "k_" + kind ? kind : s;
  }

  const CASE_KINDS = ["possible_detention", "entered_foreign", "entered_undelimited"];

  function renderAlerts() {
    const list = $("alerts");
    const now = Date.now();
    for (const [id, a] of alerts) {
      if (a.status === "acknowledged" && now - (a.ackedLocallyAt || now) > KEEP_ACKNOWLEDGED_MS) alerts.delete(id);
    }
    const sorted = [...alerts.values()].sort((a, b) =>
      (a.status === "open" ? 0 : 1) - (b.status === "open" ? 0 : 1) ||
      (SEVERITY[a.kind] ?? 10) - (SEVERITY[b.kind] ?? 10) ||
      String(b.raised_at || "").localeCompare(String(a.raised_at || "")));
    const open = sorted.filter((a) => a.status === "open").length;
    const count = $("alert-count");
    count.textContent = String(open);
    count.classList.toggle("zero", open === 0);
    document.title = (open ? `(${open}) ` : "") + "Hải đăng · " + t("title");

    const items = sorted.slice(0, MAX_SHOWN).map(alertItem);
    list.replaceChildren(...items);
    const note = $("alerts-note");
    if (alertsAvailable === false && alerts.size === 0) note.textContent = t("alerts_unavailable");
    else if (sorted.length === 0) note.textContent = t("no_alerts");
    else if (sorted.length > MAX_SHOWN) note.textContent = t("more_alerts", { n: sorted.length - MAX_SHOWN });
    else note.textContent = "";
    freshIds = new Set();
  }

  function alertItem(a) {
    const boat = a.vessel && boats.get(a.vessel);
    const who = boat ? label(boat) : (a.vessel || "");
    const zone = [a.zone_id, a.country].filter(Boolean).join(" · ");
    const details = a.details && typeof a.details === "object" ? a.details : {};
    const distance = typeof details.distance_m === "number" ? ` · ${(details.distance_m / 1852).toFixed(1)} nm` : "";
    const li = el("li", {
      "data-testid": "alert-item",
      "data-alert-id": a.id,
      "data-kind": a.kind,
      "data-status": a.status || "open",
      class: `sev-${SEVERITY_CLASS[a.kind] || "other"}${freshIds.has(a.id) ? " fresh" : ""}`,
    }, [
      el("div", { class: "line" }, [
        el("span", { class: "kind", text: alertKindText(a.kind) }),
        a.delayed ? el("span", { class: "delayed", text: t("delayed") }) : null,
      ]),
      el("div", { text: who }),
      el("div", { class: "meta", text: `${zone}${distance}` }),
      el("div", { class: "meta", text: `${t("f_fix_time")}: ${formatUtc(a.fix_time)}` }),
    ]);
    const action = el("div", { class: "line" });
    if (a.status === "acknowledged") {
      action.append(el("span", {
        class: "ack-done",
        "data-testid": "ack-done",
        text: t("acknowledged_by", { who: a.acknowledged_by || "?", at: shortUtc(a.acknowledged_at || new Date().toISOString()) }),
      }));
    } else {
      const button = el("button", { type: "button", "data-testid": "ack-button", text: a.acking ? t("acknowledging") : t("acknowledge") });
      button.disabled = Boolean(a.acking);
      button.addEventListener("click", (e) => { e.stopPropagation(); acknowledge(a.id); });
      action.append(el("span", { class: "meta", text: a.raised_at ? shortUtc(a.raised_at) : "" }), button);
    }
    // A detention or a crossing may become a consular case: the cases page opens its form
    // with this alert filled in (only consular staff and admins may submit it).
    if (CASE_KINDS.includes(a.kind)) {
      const link = el("a", { href: `/cases?alert=${encodeURIComponent(a.id)}`, class: "open-case", "data-testid": "open-case", text: t("open_case") });
      link.addEventListener("click", (e) => e.stopPropagation());
      action.append(link);
    }
    li.append(action);
    if (a.ackError) li.append(el("div", { class: "ack-error", text: t("ack_failed", { why: a.ackError }) }));
    li.addEventListener("click", () => {
      if (a.vessel && boats.has(a.vessel)) selectVessel(a.vessel, { pan: true });
      else if (typeof a.lat === "number" && typeof a.lon === "number") map.panTo([a.lat, a.lon]);
    });
    return li;
  }

  async function acknowledge(id) {
    const a = alerts.get(id);
    if (!a) return;
    const input = $("operator");
    const by = input.value.trim();
    if (!by) {
      input.classList.add("needed");
      input.placeholder = t("operator_needed");
      input.focus();
      return;
    }
    a.acking = true;
    a.ackError = null;
    renderAlerts();
    try {
      const response = await fetch(`/api/v1/alerts/${encodeURIComponent(id)}/acknowledge`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ by, note: "" }),
      });
      if (response.status === 401) window.location.assign("/login");
      let body = null;
      try { body = await response.json(); } catch (_) { body = null; }
      if (!response.ok) throw new Error((body && body.detail) || `HTTP ${response.status}`);
      const updated = body && body.alert ? body.alert : body;
      const merged = Object.assign({}, a, updated && updated.id === id ? updated : {}, {
        status: "acknowledged",
        acknowledged_by: (updated && updated.acknowledged_by) || by,
        acknowledged_at: (updated && updated.acknowledged_at) || new Date().toISOString(),
        acking: false,
        ackedLocallyAt: Date.now(),
      });
      alerts.set(id, merged);
    } catch (e) {
      a.acking = false;
      a.ackError = e.message;
    }
    renderAlerts();
  }

  const operator = $("operator");
  operator.value = localStorage.getItem("haidang.operator") || "";
  operator.addEventListener("input", () => {
    localStorage.setItem("haidang.operator", operator.value.trim());
    operator.classList.remove("needed");
  });

  // ---------------------------------------------------------------------------------
  // Loading vessels, the live stream, and polling when the stream is down.

  let connState = "connecting";
  function setConn(state) {
    connState = state;
    const s = $("conn-status");
    s.dataset.state = state;
    s.textContent = t(state);
  }

  let vesselsInFlight = false;
  async function loadVessels() {
    if (vesselsInFlight) return;
    vesselsInFlight = true;
    try {
      const data = await getJson("/api/v1/vessels");
      for (const f of data.features || []) upsertFeature(f);
      lastData = Date.now();
      initialLoaded = true;
      updatePulses();
      legend.render();
      boatLayer.redraw();
      if (selectedKey && boats.has(selectedKey)) renderVesselFacts(boats.get(selectedKey));
    } finally {
      vesselsInFlight = false;
    }
  }

  const POLL_MS = 10e3;
  let pollTimer = null;
  function startPolling() {
    if (pollTimer) return;
    setConn("polling");
    pollTimer = setInterval(() => {
      loadVessels().then(() => { if (connState !== "live") setConn("polling"); }, () => setConn("offline"));
      loadAlerts();
    }, POLL_MS);
  }
  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  // Status and zones move with every fix on the server, but the stream carries positions
  // only: a full refresh now and then brings them (rarely for big fleets: it is megabytes).
  function refreshEveryMs() {
    return boats.size > 5000 ? 300e3 : 60e3;
  }
  let lastRefresh = Date.now();

  let source = null;
  let downSince = null;
  function connectStream() {
    if (source) source.close();
    source = new EventSource("/api/v1/stream");
    source.addEventListener("open", () => {
      const wasDown = connState !== "live" && connState !== "connecting";
      setConn("live");
      downSince = null;
      stopPolling();
      // What happened while the stream was down.
      if (wasDown) { loadVessels().catch(() => {}); loadAlerts(); }
    });
    source.addEventListener("positions", (e) => {
      let list;
      try { list = JSON.parse(e.data); } catch (_) { return; }
      if (!Array.isArray(list)) return;
      for (const p of list) applyPosition(p);
      lastData = Date.now();
      boatLayer.redraw();
      if (Date.now() - lastRefresh > refreshEveryMs()) {
        lastRefresh = Date.now();
        loadVessels().catch(() => {});
      }
    });
    source.addEventListener("alert", (e) => {
      let a;
      try { a = JSON.parse(e.data); } catch (_) { return; }
      mergeAlert(a, true);
      renderAlerts();
      updatePulses();
      boatLayer.redraw();
    });
    // The server dropped updates this client read too slowly: read the state again.
    source.addEventListener("lagged", (e) => {
      let info = {};
      try { info = JSON.parse(e.data) || {}; } catch (_) { info = {}; }
      if (info.stream === "alerts") loadAlerts();
      else if (Date.now() - lastRefresh > 30e3) {
        lastRefresh = Date.now();
        loadVessels().catch(() => {});
      }
    });
    source.addEventListener("error", () => {
      if (downSince === null) downSince = Date.now();
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (or has none): poll, and try again in a minute.
        startPolling();
        setTimeout(connectStream, 60e3);
      } else if (Date.now() - downSince > 15e3) {
        startPolling();
      } else {
        setConn("connecting");
        setTimeout(() => { if (connState !== "live" && downSince !== null) startPolling(); }, 15e3);
      }
    });
  }

  // ---------------------------------------------------------------------------------
  // Search: over the loaded vessels at once, and the server's ?q= where it has one.

  const search = $("search");
  const results = $("search-results");
  let serverMatches = [];
  let searchTimer = null;
  let activeResult = 0;

  function localMatches(q) {
    const needle = fold(q.trim());
    if (!needle) return [];
    const out = [];
    for (const boat of boats.values()) {
      if (boat.search.includes(needle)) {
        out.push(boat.key);
        if (out.length >= 20) break;
      }
    }
    return out;
  }

  function showResults() {
    const q = search.value;
    if (!q.trim()) { results.hidden = true; return; }
    const keys = localMatches(q);
    for (const k of serverMatches) if (!keys.includes(k) && boats.has(k) && keys.length < 20) keys.push(k);
    activeResult = Math.min(activeResult, Math.max(0, keys.length - 1));
    const items = keys.map((key, i) => {
      const boat = boats.get(key);
      const li = el("li", { "data-vessel": key, class: i === activeResult ? "active" : "" }, [
        el("span", { class: `sw ${boat.status}` }),
        el("span", { text: nameOf(boat) || mmsiOf(key) || registrationOf(key, boat.props) || key }),
        el("span", { class: "key", text: key }),
      ]);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(key); });
      return li;
    });
    if (items.length === 0) items.push(el("li", { class: "empty", text: t("no_match") }));
    results.replaceChildren(...items);
    results.hidden = false;
  }

  function choose(key) {
    results.hidden = true;
    search.blur();
    selectVessel(key, { pan: true });
    const boat = boats.get(key);
    if (boat && map.getZoom() < 8) map.setView([boat.lat, boat.lon], 8);
  }

  search.addEventListener("input", () => {
    activeResult = 0;
    serverMatches = [];
    showResults();
    clearTimeout(searchTimer);
    const q = search.value.trim();
    if (q.length < 2) return;
    searchTimer = setTimeout(async () => {
      try {
        const data = await getJson(`/api/v1/vessels?q=${encodeURIComponent(q)}`);
        if (search.value.trim() !== q) return;
        for (const f of data.features || []) upsertFeature(f);
        serverMatches = (data.features || []).map((f) => (f.properties || {}).vessel || f.id).filter(Boolean);
        showResults();
      } catch (_) {
        // A server without ?q= answers 400: the local search stands.
      }
    }, 300);
  });
  search.addEventListener("keydown", (e) => {
    const items = [...results.querySelectorAll("li[data-vessel]")];
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      activeResult = (activeResult + (e.key === "ArrowDown" ? 1 : items.length - 1)) % Math.max(1, items.length);
      showResults();
    } else if (e.key === "Enter" && items[activeResult]) {
      choose(items[activeResult].dataset.vessel);
    } else if (e.key === "Escape") {
      results.hidden = true;
    }
  });
  search.addEventListener("blur", () => { results.hidden = true; });
  search.addEventListener("focus", () => { if (search.value.trim()) showResults(); });

  // ---------------------------------------------------------------------------------
  // Language.

  function applyLanguage() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
    for (const e of document.querySelectorAll("[data-i18n-title]")) e.title = t(e.dataset.i18nTitle);
    $("lang-toggle").textContent = t("lang_other");
    setConn(connState);
    legend.render();
    renderAlerts();
    updateCounts();
    if (selectedKey && boats.has(selectedKey)) {
      renderVesselFacts(boats.get(selectedKey));
      const s = $("track-status");
      if (s.dataset.state === "loaded") s.textContent = t("track_loaded", { n: s.dataset.fixes });
      else if (s.dataset.state === "empty") s.textContent = t("track_empty");
    }
  }

  $("lang-toggle").addEventListener("click", () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("haidang.lang", lang);
    applyLanguage();
  });

  $("logout").addEventListener("click", async () => {
    try {
      await fetch("/api/v1/logout", { method: "POST", credentials: "same-origin" });
    } finally {
      window.location.assign("/login");
    }
  });

  // The clock and the "updated … ago" line, once a second.
  setInterval(() => {
    const now = new Date();
    const since = lastData ? " · " + t("last_update", { ago: ago(Date.now() - lastData) }) : "";
    $("clock").textContent = `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} UTC${since}`;
  }, 1000);
  // Acknowledged alerts age out of the list.
  setInterval(renderAlerts, 60e3);

  // ---------------------------------------------------------------------------------
  // Start.

  applyLanguage();
  loadBasemap().catch((e) => console.warn("basemap", e));
  loadZones().catch((e) => console.warn("zones", e));
  loadAlerts();
  loadVessels().then(
    () => connectStream(),
    () => { setConn("offline"); startPolling(); connectStream(); },
  );
})();
