// The login page: posts the name and password as JSON to /api/v1/login, which sets the
// session cookie, then opens the live map. Vietnamese first, English on request (the
// choice is shared with the map through localStorage).
"use strict";

(function () {
  const STRINGS = {
    vi: {
      title: "Hải đăng · Đăng nhập",
      intro: "Đăng nhập để xem bản đồ trực tiếp.",
      name: "Tên đăng nhập",
      password: "Mật khẩu",
      submit: "Đăng nhập",
      wrong: "Sai tên hoặc mật khẩu (sau 5 lần sai liên tiếp, tài khoản bị khóa 15 phút).",
      failed: "Không đăng nhập được",
      lang_other: "English",
    },
    en: {
      title: "Hải đăng · Log in",
      intro: "Log in to see the live map.",
      name: "User name",
      password: "Password",
      submit: "Log in",
      wrong: "Wrong name or password (after 5 failures in a row the account is locked for 15 minutes).",
      failed: "Could not log in",
      lang_other: "Tiếng Việt",
    },
  };
  let lang = localStorage.getItem("haidang.lang") === "en" ? "en" : "vi";
  const $ = (id) => document.getElementById(id);

  function apply() {
    const s = STRINGS[lang];
    document.documentElement.lang = lang;
    document.title = s.title;
    for (const el of document.querySelectorAll("[data-i18n]")) {
      el.textContent = s[el.dataset.i18n];
    }
    $("lang-toggle").textContent = s.lang_other;
  }

  $("lang-toggle").addEventListener("click", () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("haidang.lang", lang);
    apply();
  });

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("login-error");
    error.hidden = true;
    $("login-submit").disabled = true;
    try {
      const response = await fetch("/api/v1/login", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ name: $("login-name").value.trim(), password: $("login-password").value }),
      });
      if (response.ok) {
        window.location.assign("/");
        return;
      }
      error.textContent = response.status === 401 ? STRINGS[lang].wrong : `${STRINGS[lang].failed} (HTTP ${response.status})`;
    } catch (e) {
      error.textContent = `${STRINGS[lang].failed}: ${e.message}`;
    } finally {
      $("login-submit").disabled = false;
    }
    error.hidden = false;
  });

  apply();
})();
