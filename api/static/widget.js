/*
 * baocao chat widget: plain JavaScript and CSS, no framework, nothing fetched from outside.
 *
 * Embed in any page with one tag:
 *   <script src="https://baocao.intranet/widget.js"
 *           data-api-base="https://baocao.intranet"   (default: where widget.js came from)
 *           data-title="Trợ lý báo cáo" data-color="#0f5fa8"
 *           data-token="..."                           (only if the server sets BAOCAO_CHAT_TOKEN)
 *           data-mode="bubble"                         ("bubble": a button in the corner; "page": fills data-target)
 *           data-target="#chat"  data-starters="Câu hỏi 1|Câu hỏi 2"  data-open="false"
 *           data-theme="auto"                          ("auto": follows prefers-color-scheme; "light"; "dark")></script>
 *
 * Starter questions come from GET /api/starters (made from the indexed documents) unless data-starters
 * is given. Conversation history and feedback appear only when the server offers them (its OpenAPI
 * schema lists /api/conversations/{id} and /api/feedback).
 */
(function () {
  "use strict";

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='widget.js']");
    return all[all.length - 1];
  })();
  var data = (script && script.dataset) || {};
  var scriptBase = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var config = {
    apiBase: (data.apiBase || scriptBase || "").replace(/\/+$/, ""),
    title: data.title || "Trợ lý báo cáo",
    color: /^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]+$|^rgb/.test(data.color || "") ? data.color : "#0f5fa8",
    token: data.token || "",
    mode: data.mode === "page" ? "page" : "bubble",
    target: data.target || "",
    open: data.open === "true",
    theme: /^(light|dark)$/.test(data.theme || "") ? data.theme : "auto",
    starters: data.starters ? data.starters.split("|").map(function (s) { return s.trim(); }).filter(Boolean) : null
  };
  var THEME_KEY = "baocao-theme";
  var touch = !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);

  var CSS = [
    ":host{all:initial}",
    ".bc{--c:" + config.color + ";--ink:#17212b;--muted:#5b6875;--line:#d8dee6;--bg:#fff;--soft:#f3f6f9;",
    "font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Helvetica Neue',Arial,sans-serif;color:var(--ink);box-sizing:border-box}",
    ".bc.dark{--ink:#e6edf3;--muted:#9aa7b4;--line:#33404d;--bg:#151b22;--soft:#0d1117;--mark:#6b5a12;--quote:#2a2410;--warn-bg:#2b2412;--warn-line:#8a6d1f;--err-bg:#2d1517;--err-ink:#ffb4b4;color-scheme:dark}",
    ".bc.dark .chip{background:var(--bg);color:#9ec8ff;border-color:#4d7fb8}.bc.dark .chip:hover,.bc.dark .chip[aria-expanded=true]{background:#4d7fb8;color:#fff}",
    ".bc.dark .starters button{color:#9ec8ff;border-color:#4d7fb8}",
    ".bc *,.bc *::before,.bc *::after{box-sizing:inherit}",
    ".bc button{font:inherit;cursor:pointer}",
    ".bc :focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    ".panel{display:flex;flex-direction:column;background:var(--bg);height:100%;min-height:0}",
    ".bc.page{height:100%}",
    ".bc.page .panel{height:100%;border-left:1px solid var(--line);border-right:1px solid var(--line)}",
    ".bc.bubble .panel{position:fixed;right:20px;bottom:88px;width:400px;height:min(640px,calc(100vh - 110px));border-radius:14px;",
    "box-shadow:0 12px 40px rgba(0,0,0,.25);overflow:hidden;z-index:2147483000}",
    ".bc.bubble .panel[hidden]{display:none}",
    ".launcher[hidden]{display:none}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;background:var(--c);color:#fff;",
    "padding:13px 20px;font-weight:600;box-shadow:0 6px 20px rgba(0,0,0,.25);display:inline-flex;align-items:center;gap:8px}",
    "header.top{display:flex;align-items:center;gap:8px;padding:12px 16px;background:var(--c);color:#fff}",
    "header.top h1,header.top h2{font-size:17px;margin:0;flex:1;font-weight:650}",
    "header.top button{background:rgba(255,255,255,.16);color:#fff;border:1px solid rgba(255,255,255,.45);border-radius:8px;padding:6px 10px;font-size:14px}",
    "header.top button:hover{background:rgba(255,255,255,.28)}",
    ".log{position:relative;flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:14px;background:var(--soft);min-height:0}",
    ".intro{background:var(--bg);border:1px solid var(--line);border-radius:12px;padding:14px 16px}",
    ".intro p{margin:0 0 10px}",
    ".starters{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}",
    ".starters button{width:100%;text-align:left;background:var(--bg);border:1px solid var(--c);color:var(--c);border-radius:10px;padding:9px 12px}",
    ".starters button:hover{background:var(--soft)}",
    ".msg{max-width:92%;border-radius:12px;padding:10px 14px;word-wrap:break-word;overflow-wrap:anywhere}",
    ".msg.user{align-self:flex-end;background:var(--c);color:#fff;white-space:pre-wrap}",
    ".msg.bot{align-self:flex-start;background:var(--bg);border:1px solid var(--line)}",
    ".msg.bot p{margin:0 0 8px}.msg.bot p:last-child{margin-bottom:0}",
    ".msg.bot ul.items{margin:4px 0 8px;padding-left:22px;columns:2;column-gap:22px}",
    "@media (max-width:480px){.msg.bot ul.items{columns:1}}",
    ".msg.bot ul.items li{break-inside:avoid}",
    ".msg.bot ul.bullets{columns:1;padding-left:20px}.msg.bot ul.bullets li{margin-bottom:6px}",
    ".msg.notfound{border-color:var(--warn-line,#e0b44c);background:var(--warn-bg,#fffaf0)}",
    ".badge{display:inline-block;font-size:12.5px;font-weight:650;border-radius:6px;padding:1px 8px;margin-bottom:6px;background:#fdecc8;color:#6b4b00}",
    ".stopped{font-size:12.5px;color:var(--muted);margin-top:6px}",
    ".starters .doc{display:block;font-size:12px;color:var(--muted);margin-top:2px}",
    ".fb{display:inline-flex;gap:4px;margin-left:auto}.fb button[aria-pressed=true]{border-color:var(--c);color:var(--c)}",
    ".fb-reasons{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px;font-size:13px}",
    ".history{border-bottom:1px solid var(--line);background:var(--bg);padding:6px 12px;font-size:13.5px;max-height:30%;overflow-y:auto}",
    ".history[hidden]{display:none}.history ul{list-style:none;margin:0;padding:0}.history li{display:flex;gap:6px;align-items:center;padding:2px 0}",
    ".history li button{background:none;border:1px solid transparent;color:var(--ink);border-radius:6px;padding:2px 6px}",
    ".history li button.open{flex:1;text-align:left;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    ".history li button:hover{border-color:var(--line)}",
    ".srclist{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:14px}",
    ".srclist li{border:1px solid var(--line);border-radius:10px;padding:10px 12px}",
    ".srclist h3{font-size:14.5px;margin:0 0 6px}",
    ".orig{display:inline-block;margin-top:8px;font-size:13.5px;color:var(--c);background:none;border:1px solid var(--c);border-radius:7px;padding:3px 10px}",
    ".bc.dark .orig{color:#9ec8ff;border-color:#4d7fb8}",
    ".origerr{font-size:13px;color:var(--err-ink,#8a1c1c);margin:6px 0 0}",
    ".chip{display:inline-flex;align-items:center;justify-content:center;min-width:1.6em;height:1.45em;padding:0 5px;margin:0 1px;border-radius:9px;",
    "border:1px solid var(--c);background:var(--soft);color:var(--c);font-size:12.5px;font-weight:700;line-height:1;vertical-align:1px}",
    ".chip:hover,.chip[aria-expanded=true]{background:var(--c);color:#fff}",
    ".sources{margin:10px 0 0;padding:8px 0 0;border-top:1px dashed var(--line);list-style:none;font-size:13.5px}",
    ".sources h3,.related h3{font-size:13px;margin:0 0 4px;color:var(--muted);font-weight:650;text-transform:none}",
    ".sources li{margin:2px 0}",
    ".sources button,.related button{background:none;border:0;padding:2px 0;text-align:left;color:var(--ink);text-decoration:underline;text-decoration-color:var(--line);text-underline-offset:3px}",
    ".sources button:hover,.related button:hover{color:var(--c)}",
    ".related li::marker{color:var(--muted)}.related button,.sources button{vertical-align:top;max-width:100%}",
    ".related{margin-top:10px}.related ul{margin:0;padding-left:18px;font-size:13.5px}",
    ".tools{display:flex;gap:8px;margin-top:8px;flex-wrap:wrap;align-items:center}",
    ".tools button{background:none;border:1px solid var(--line);border-radius:7px;padding:3px 10px;font-size:13px;color:var(--muted)}",
    ".tools button:hover{color:var(--ink);border-color:var(--muted)}",
    ".asof{font-size:12.5px;color:var(--muted);margin-top:6px}",
    ".stream{white-space:pre-wrap}",
    ".typing{color:var(--muted);font-style:italic}",
    ".error{border-color:#d64545;background:var(--err-bg,#fff3f3);color:var(--err-ink,#8a1c1c)}",
    ".error .retry{margin-top:8px;border:1px solid currentColor;background:none;color:inherit;border-radius:7px;padding:3px 12px}",
    "form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid var(--line);background:var(--bg)}",
    "textarea{flex:1;resize:none;border:1px solid var(--line);border-radius:10px;padding:9px 12px;font:inherit;color:inherit;min-height:42px;max-height:140px}",
    "textarea:focus{border-color:var(--c)}",
    "form button{border:0;border-radius:10px;background:var(--c);color:#fff;padding:0 18px;font-weight:650;min-width:64px}",
    "form button[disabled]{opacity:.55;cursor:progress}",
    "form button.stop{background:var(--bg);color:var(--ink);border:1px solid var(--line)}",
    "textarea{background:var(--bg)}",
    ".foot{margin:0;padding:0 14px 8px;font-size:12px;color:var(--muted);background:var(--bg)}",
    ".source{position:fixed;inset:0;z-index:2147483001;background:rgba(10,20,30,.35);display:flex;justify-content:flex-end}",
    ".source[hidden]{display:none}",
    ".sheet{background:var(--bg);width:min(520px,100%);height:100%;display:flex;flex-direction:column;box-shadow:-8px 0 30px rgba(0,0,0,.2)}",
    ".sheet header{display:flex;align-items:flex-start;gap:10px;padding:14px 16px;border-bottom:1px solid var(--line)}",
    ".sheet h2{font-size:16px;margin:0;flex:1}",
    ".sheet header button{border:1px solid var(--line);background:var(--bg);border-radius:8px;padding:4px 10px}",
    ".sheet .body{padding:12px 16px;overflow-y:auto}",
    ".sheet dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0 0 12px;font-size:13.5px}",
    ".sheet dt{color:var(--muted)}.sheet dd{margin:0}",
    ".passage{white-space:pre-wrap;background:var(--soft);border-radius:8px;padding:12px;margin:0;font-size:14.5px}",
    ".passage mark{background:var(--mark,#ffe58a);color:inherit;padding:1px 0;border-radius:2px}",
    "blockquote{margin:0 0 10px;padding:8px 12px;border-left:4px solid var(--c);background:var(--quote,#fff8d6)}",
    ".sheet,.sheet header button{color:var(--ink)}",
    "@media (max-width:600px){",
    ".bc.bubble .panel{right:0;bottom:0;width:100%;height:100%;border-radius:0}",
    ".source{align-items:flex-end}",
    ".sheet{width:100%;height:82%;border-radius:14px 14px 0 0}",
    "header.top{padding:10px 12px}.log{padding:12px}.msg{max-width:100%}",
    "}"
  ].join("\n");

  // ---------------------------------------------------------------- small helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "class") node.className = value;
        else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : value);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function vnDate(iso) {
    var m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(iso || "");
    if (!m) return iso || "";
    return (m[3] ? m[3] + "/" : "") + m[2] + "/" + m[1];
  }

  function icon() { // a speech bubble; no emoji font needed
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2h-9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 5v2h10V8H7zm0 4v2h7v-2H7z");
    svg.appendChild(path);
    return svg;
  }

  function sourceLabel(c) {
    return [c.title || c.document, c.section, c.page ? "tr. " + c.page : "", c.as_of ? vnDate(c.as_of) : ""]
      .filter(Boolean).join(" · ");
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /** Where `quote` sits in `text`, tolerant of spacing and line breaks: [start, end] or null. */
  function findQuote(text, quote) {
    if (!text || !quote) return null;
    var at = text.indexOf(quote);
    if (at >= 0) return [at, at + quote.length];
    var attempts = [quote, quote.replace(/[.;:,\s]+$/, ""), quote.slice(0, 160)];
    for (var i = 0; i < attempts.length; i++) {
      var words = attempts[i].trim().split(/\s+/).filter(Boolean).map(escapeRegExp);
      if (!words.length) continue;
      var match = new RegExp(words.join("\\s+")).exec(text);
      if (match) return [match.index, match.index + match[0].length];
    }
    return null;
  }

  // ---------------------------------------------------------------- the widget
  function Widget(host) {
    this.host = host;
    this.conversationId = null;
    this.busy = false;
    this.controller = null;
    this.lastChip = null;
    this.asked = [];      // questions of this page, for ↑ / ↓
    this.recall = -1;
    this.features = { conversations: false, feedback: false };
    this.build();
  }

  function hint(documents) {
    var keys = touch ? "" : "Enter để gửi, Shift+Enter để xuống dòng. ";
    return keys + (documents === undefined ? "Câu trả lời chỉ dựa trên các báo cáo đã nạp."
      : "Trả lời từ " + documents + " báo cáo đã nạp, kèm nguồn trích dẫn.");
  }

  Widget.prototype.build = function () {
    var self = this;
    var root = this.host.attachShadow ? this.host.attachShadow({ mode: "open" }) : this.host;
    root.appendChild(el("style", { text: CSS }));
    var page = config.mode === "page";
    this.announcer = el("div", { class: "sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    this.log = el("div", { class: "log", role: "log", "aria-live": "off", "aria-label": "Hội thoại", tabindex: "0" });
    this.input = el("textarea", {
      id: "bc-input", rows: "1", maxlength: "2000", autocomplete: "off",
      placeholder: "Nhập câu hỏi về các báo cáo…", "aria-describedby": "bc-hint"
    });
    this.send = el("button", { type: "submit", class: "send", text: "Gửi", "aria-label": "Gửi câu hỏi" });
    this.form = el("form", { class: "ask", "aria-label": "Đặt câu hỏi", onsubmit: function (e) { e.preventDefault(); self.submit(); } }, [
      el("label", { for: "bc-input", class: "sr", text: "Câu hỏi của bạn" }),
      this.input,
      this.send
    ]);
    this.foot = el("p", { class: "foot", id: "bc-hint", text: hint() });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); self.submit(); }
      else if ((e.key === "ArrowUp" || e.key === "ArrowDown") && !e.isComposing && self.asked.length && !/\n/.test(self.input.value)) {
        var up = e.key === "ArrowUp";
        if (!up && self.recall < 0) return;
        if (up && self.input.value && self.recall < 0) return; // ↑ in a question being typed moves the caret
        e.preventDefault();
        self.recall = up ? Math.min(self.recall + 1, self.asked.length - 1) : self.recall - 1;
        self.input.value = self.recall < 0 ? "" : self.asked[self.asked.length - 1 - self.recall];
        self.autosize();
      }
    });
    this.input.addEventListener("input", function () { self.autosize(); });
    this.send.addEventListener("click", function (e) { if (self.busy) { e.preventDefault(); self.stop(); } });

    this.themeButton = el("button", { type: "button", class: "theme", onclick: function () { self.toggleTheme(); } });
    this.historyButton = el("button", { type: "button", class: "hist", text: "Lịch sử", hidden: true, "aria-expanded": "false",
      "aria-controls": "bc-history", onclick: function () { self.toggleHistory(); } });
    var headerButtons = [this.historyButton, this.themeButton, el("button", {
      type: "button", class: "new", text: page ? "Cuộc trò chuyện mới" : "Mới", title: "Cuộc trò chuyện mới",
      "aria-label": "Cuộc trò chuyện mới", onclick: function () { self.reset(); }
    })];
    this.history = el("nav", { class: "history", id: "bc-history", hidden: true, "aria-label": "Các cuộc trò chuyện trước" });
    if (!page) headerButtons.push(el("button", { type: "button", class: "close", "aria-label": "Đóng trợ lý", text: "✕", onclick: function () { self.toggle(false); } }));
    this.panel = el("section", { class: "panel", id: "bc-panel", "aria-label": config.title, hidden: !page && !config.open }, [
      el("header", { class: "top" }, [el(page ? "h1" : "h2", { text: config.title })].concat(headerButtons)),
      this.history,
      this.log,
      this.announcer,
      this.form,
      this.foot
    ]);

    this.sourceTitle = el("h2", { id: "bc-source-title" });
    this.sourceBody = el("div", { class: "body" });
    this.sourceClose = el("button", { type: "button", class: "source-close", text: "Đóng", onclick: function () { self.closeSource(); } });
    this.source = el("div", { class: "source", hidden: true, onclick: function (e) { if (e.target === self.source) self.closeSource(); } }, [
      el("div", { class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "bc-source-title" }, [
        el("header", null, [this.sourceTitle, this.sourceClose]),
        this.sourceBody
      ])
    ]);
    this.source.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); self.closeSource(); }
      if (e.key === "Tab") { // keep focus inside the dialog
        var focusables = self.source.querySelectorAll("button,[tabindex='0']");
        var first = focusables[0], last = focusables[focusables.length - 1];
        var active = root.activeElement;
        if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
      }
    });

    var children = [this.panel, this.source];
    if (!page) {
      this.launcher = el("button", {
        type: "button", class: "launcher", "aria-controls": "bc-panel", "aria-expanded": config.open ? "true" : "false", hidden: config.open,
        onclick: function () { self.toggle(); }
      }, [icon(), el("span", { text: config.title })]);
      children.unshift(this.launcher);
      this.panel.addEventListener("keydown", function (e) { if (e.key === "Escape") self.toggle(false); });
    }
    this.root = root;
    this.frame = el("div", { class: "bc " + config.mode, lang: "vi" }, children);
    root.appendChild(this.frame);
    this.applyTheme();
    if (window.matchMedia) {
      var media = window.matchMedia("(prefers-color-scheme: dark)");
      var follow = function () { self.applyTheme(); };
      if (media.addEventListener) media.addEventListener("change", follow); else if (media.addListener) media.addListener(follow);
    }
    this.showIntro();
    this.loadHealth();
    this.loadFeatures();
    if (page || config.open) this.input.focus();
  };

  // ---------------------------------------------------------------- theme
  Widget.prototype.storedTheme = function () {
    try { return window.localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  };

  Widget.prototype.isDark = function () {
    var chosen = this.storedTheme() || (config.theme !== "auto" ? config.theme : null);
    if (chosen) return chosen === "dark";
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  };

  Widget.prototype.applyTheme = function () {
    var dark = this.isDark();
    this.frame.classList.toggle("dark", dark);
    this.themeButton.textContent = dark ? "☀" : "☾";
    this.themeButton.setAttribute("aria-label", dark ? "Chuyển sang nền sáng" : "Chuyển sang nền tối");
    this.themeButton.title = this.themeButton.getAttribute("aria-label");
  };

  Widget.prototype.toggleTheme = function () {
    try { window.localStorage.setItem(THEME_KEY, this.isDark() ? "light" : "dark"); } catch (e) { /* private mode */ }
    this.applyTheme();
  };

  Widget.prototype.toggle = function (open) {
    var show = open === undefined ? this.panel.hidden : open;
    this.panel.hidden = !show;
    this.launcher.hidden = show; // the panel has its own close button; the bubble would cover it
    this.launcher.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) this.input.focus(); else this.launcher.focus();
  };

  Widget.prototype.autosize = function () {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 140) + "px";
  };

  Widget.prototype.headers = function (extra) {
    var h = { "Content-Type": "application/json" };
    if (config.token) h.Authorization = "Bearer " + config.token;
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  };

  Widget.prototype.loadHealth = function () {
    var self = this;
    if (!window.fetch) return;
    fetch(config.apiBase + "/api/health").then(function (r) { return r.ok ? r.json() : null; }).then(function (h) {
      if (h && typeof h.documents === "number") self.foot.textContent = hint(h.documents);
    }).catch(function () {});
  };

  Widget.prototype.showIntro = function () {
    var self = this;
    this.starterList = el("ul", { class: "starters", "aria-label": "Câu hỏi gợi ý" });
    this.intro = el("div", { class: "intro" }, [
      el("p", { text: "Xin chào! Hãy hỏi về nội dung các báo cáo. Mỗi câu trả lời có nguồn [1] để bạn kiểm chứng." }),
      el("p", { class: "sr", text: "Gợi ý:" }),
      this.starterList
    ]);
    this.log.appendChild(this.intro);
    this.loadStarters().then(function (starters) { self.renderStarters(starters); });
  };

  /** data-starters if given; else GET /api/starters (questions made from the recent documents), once. */
  Widget.prototype.loadStarters = function () {
    if (config.starters) return Promise.resolve(config.starters.map(function (q) { return { question: q }; }));
    if (!this.startersPromise) {
      this.startersPromise = !window.fetch ? Promise.resolve([]) : fetch(config.apiBase + "/api/starters", { headers: this.headers() })
        .then(function (r) { return r.ok ? r.json() : { starters: [] }; })
        .then(function (body) { return body.starters || []; })
        .catch(function () { return []; });
    }
    return this.startersPromise;
  };

  Widget.prototype.renderStarters = function (starters) {
    var self = this;
    var list = this.starterList;
    list.textContent = "";
    starters.forEach(function (s) {
      var button = el("button", { type: "button", onclick: function () { self.ask(s.question); } }, [s.question]);
      if (s.title) button.title = "Từ: " + s.title;
      list.appendChild(el("li", null, [button]));
    });
  };

  Widget.prototype.reset = function (quiet) {
    var controller = this.controller;
    this.controller = null;
    if (controller) controller.abort();
    this.conversationId = null;
    this.setBusy(false);
    this.log.textContent = "";
    this.showIntro();
    this.closeSource(true);
    if (quiet === true) return;
    this.announce("Đã bắt đầu cuộc trò chuyện mới.");
    this.input.value = "";
    this.input.focus();
  };

  Widget.prototype.announce = function (text) {
    var a = this.announcer;
    a.textContent = "";
    setTimeout(function () { a.textContent = text; }, 60);
  };

  /** While an answer streams, the send button is a stop button (the typed text is never lost). */
  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.send.textContent = busy ? "Dừng" : "Gửi";
    this.send.className = busy ? "send stop" : "send";
    this.send.type = busy ? "button" : "submit";
    this.send.setAttribute("aria-label", busy ? "Dừng trả lời" : "Gửi câu hỏi");
  };

  /** Keep the question and the first lines of its answer in view: never scroll past the question. */
  Widget.prototype.showTurn = function (question) {
    var log = this.log;
    var bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = question ? Math.max(0, Math.min(bottom, question.offsetTop - 8)) : bottom;
  };

  Widget.prototype.stop = function () {
    if (this.controller) this.controller.abort();
  };

  Widget.prototype.submit = function () {
    if (this.busy) { this.stop(); return; }
    var q = this.input.value.trim();
    if (!q) return;
    this.input.value = "";
    this.autosize();
    this.ask(q);
  };

  Widget.prototype.ask = function (question, bubble) {
    var self = this;
    if (this.busy) return;
    if (this.intro && this.intro.parentNode) this.intro.parentNode.removeChild(this.intro);
    if (this.asked[this.asked.length - 1] !== question) this.asked.push(question);
    this.recall = -1;
    var asked = bubble ? bubble.previousSibling : el("div", { class: "msg user" }, [el("span", { class: "sr", text: "Bạn hỏi: " }), question]);
    var stream = el("p", { class: "stream" });
    var typing = el("p", { class: "typing", text: "Đang tìm trong các báo cáo…" });
    if (bubble) {
      bubble.className = "msg bot";
      bubble.textContent = "";
      bubble.appendChild(typing);
      bubble.appendChild(stream);
    } else {
      bubble = el("div", { class: "msg bot" }, [typing, stream]);
      this.log.appendChild(asked);
      this.log.appendChild(bubble);
    }
    bubble.setAttribute("aria-busy", "true");
    this.showTurn(asked);
    this.setBusy(true);
    this.announce("Đang tìm câu trả lời…");
    this.input.focus();
    var controller = window.AbortController ? new AbortController() : null;
    this.controller = controller;
    this.request(question, controller, function (text) {
      if (typing.parentNode) typing.parentNode.removeChild(typing);
      stream.textContent += text;
      self.showTurn(asked);
    }).then(function (answer) {
      if (controller !== self.controller) return;
      if (answer.conversation_id) self.conversationId = answer.conversation_id;
      self.renderAnswer(bubble, answer, question);
      self.remember(question, answer);
      self.announce("Trả lời: " + answer.answer + (answer.citations && answer.citations.length ? " (" + answer.citations.length + " nguồn)" : ""));
    }).catch(function (err) {
      if (err && err.name === "AbortError") {
        if (controller !== self.controller) return; // a new conversation was started
        if (typing.parentNode) typing.parentNode.removeChild(typing);
        bubble.appendChild(el("p", { class: "stopped", text: "Đã dừng." }));
        self.announce("Đã dừng trả lời.");
        return;
      }
      self.renderError(bubble, question, err);
    }).then(function () {
      bubble.removeAttribute("aria-busy");
      if (controller === self.controller) { self.setBusy(false); self.controller = null; }
      self.showTurn(asked);
    });
  };

  /** An error bubble: configuration problems (CORS, 401) said apart from network or server failures;
      a retry button for the latter, and the question back in the box if the user typed nothing since. */
  Widget.prototype.renderError = function (bubble, question, err) {
    var self = this;
    var kind = (err && err.kind) || "network";
    bubble.className = "msg bot error " + kind;
    bubble.textContent = "";
    bubble.appendChild(el("p", { role: "alert", text: (err && err.message) || String(err) }));
    if (kind !== "config") {
      bubble.appendChild(el("button", { type: "button", class: "retry", text: "Thử lại", onclick: function () { self.ask(question, bubble); } }));
    }
    if (!this.input.value.trim()) { this.input.value = question; this.autosize(); }
    this.announce(err.message || String(err));
  };

  function problem(message, kind) {
    var error = new Error(message);
    error.kind = kind;
    return error;
  }

  function httpError(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      var message = body && body.error && body.error.message;
      if (response.status === 401 || response.status === 403) {
        return problem("Trang này chưa được cấp quyền hỏi trợ lý (" + response.status + "): mã truy cập (data-token) thiếu hoặc sai. " +
          "Hãy báo quản trị hệ thống kiểm tra cấu hình.", "config");
      }
      if (response.status === 429) return problem("Bạn đang hỏi quá nhanh. Vui lòng thử lại sau " + (response.headers.get("Retry-After") || "ít") + " giây.", "busy");
      if (response.status === 413) return problem("Câu hỏi quá dài, hãy rút gọn.", "input");
      if (response.status >= 500) return problem("Máy chủ gặp lỗi, vui lòng thử lại." + (message ? " (" + message + ")" : ""), "server");
      return problem(message || ("Lỗi " + response.status), "input");
    });
  }

  /** fetch() failed without a response: a refused CORS request and a dead network look the same from
      here, so ask the server in `no-cors` mode, which needs no permission: if it answers, the server is
      up and refuses this page's origin. */
  Widget.prototype.diagnose = function () {
    var origin = window.location.origin;
    return fetch(config.apiBase + "/api/health", { mode: "no-cors", cache: "no-store" }).then(function () {
      return problem("Máy chủ trợ lý chưa cho phép trang " + origin + " gọi tới (CORS). Hãy báo quản trị hệ thống thêm " +
        origin + " vào BAOCAO_CORS_ORIGINS.", "config");
    }, function () {
      return problem("Không kết nối được máy chủ trợ lý. Kiểm tra mạng rồi thử lại.", "network");
    });
  };

  /** POST /api/chat as Server-Sent Events: `delta` pieces, then the whole Answer (citations never lost). */
  Widget.prototype.request = function (question, controller, onDelta) {
    var self = this;
    var body = { message: question };
    if (this.conversationId) body.conversation_id = this.conversationId;
    var canStream = !!(window.ReadableStream && window.TextDecoder);
    return fetch(config.apiBase + "/api/chat", {
      method: "POST",
      headers: this.headers({ Accept: canStream ? "text/event-stream" : "application/json" }),
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).catch(function (err) {
      if (err && err.name === "AbortError") throw err;
      return self.diagnose().then(function (e) { throw e; });
    }).then(function (response) {
      if (!response.ok) return httpError(response).then(function (e) { throw e; });
      var type = response.headers.get("content-type") || "";
      if (type.indexOf("text/event-stream") < 0 || !response.body) return response.json();
      return self.readEvents(response, onDelta);
    });
  };

  Widget.prototype.readEvents = function (response, onDelta) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    var answer = null;
    var failure = null;
    function handle(block) {
      var event = "message", lines = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) event = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) lines.push(line.slice(5).replace(/^ /, ""));
      });
      if (!lines.length) return;
      var payload;
      try { payload = JSON.parse(lines.join("\n")); } catch (e) { return; }
      if (event === "delta") onDelta(payload.text || "");
      else if (event === "answer") answer = payload;
      else if (event === "error") failure = problem((payload.error && payload.error.message) || "Máy chủ gặp lỗi.", "server");
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          buffer += decoder.decode();
          if (buffer.trim()) handle(buffer.replace(/\r\n/g, "\n"));
          if (answer) return answer;
          throw failure || new Error("Mất kết nối trước khi nhận đủ câu trả lời. Vui lòng hỏi lại.");
        }
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
        var cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          handle(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
        return pump();
      });
    }
    return pump();
  };

  // ---------------------------------------------------------------- rendering an Answer
  Widget.prototype.chip = function (marker, citation) {
    var self = this;
    var chip = el("button", {
      type: "button", class: "chip", text: String(marker), "aria-haspopup": "dialog",
      "aria-label": "Nguồn " + marker + ": " + sourceLabel(citation)
    });
    chip.title = sourceLabel(citation);
    chip.addEventListener("click", function () { self.openSource(citation, chip, marker); });
    return chip;
  };

  /** Text with [n] markers turned into chips; unknown markers stay as text. */
  Widget.prototype.inline = function (text, byMarker) {
    var self = this;
    var nodes = [];
    var re = /\[(\d+)\]/g, last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) nodes.push(document.createTextNode(text.slice(last, m.index)));
      var c = byMarker[m[1]];
      nodes.push(c ? self.chip(Number(m[1]), c) : document.createTextNode(m[0]));
      last = re.lastIndex;
    }
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  };

  /** Where the enumeration of `items` sits in a line: [start, end] or null. */
  function findItems(line, items) {
    if (!items || items.length < 2) return null;
    var start = line.indexOf(items[0]);
    if (start < 0) return null;
    var pos = start;
    for (var i = 0; i < items.length; i++) {
      var at = line.indexOf(items[i], pos);
      if (at < 0) return null;
      if (i > 0 && !/^[\s,;]*(và\s+)?$/.test(line.slice(pos, at))) return null;
      pos = at + items[i].length;
    }
    return [start, pos];
  }

  Widget.prototype.renderAnswer = function (bubble, answer, question) {
    var self = this;
    var citations = answer.citations || [];
    var byMarker = {};
    citations.forEach(function (c) { byMarker[String(c.marker)] = c; });
    var items = answer.items || [];
    var grounded = answer.grounded !== false;
    var parts = [];
    if (!grounded) parts.push(el("span", { class: "badge", text: "Không tìm thấy trong báo cáo" }));
    var text = answer.answer || "";
    var placed = items.length > 0 && items.every(function (item) { return text.indexOf(item) >= 0; }) && /^\s*[-•]\s+/m.test(text);
    var bullets = null;
    text.split("\n").forEach(function (line) {
      if (!line.trim()) { bullets = null; return; }
      var bullet = /^\s*[-•]\s+(.*)$/.exec(line);
      if (bullet) { // "- item [1]" lines: one list
        if (!bullets) { bullets = el("ul", { class: "items bullets" }); parts.push(bullets); }
        bullets.appendChild(el("li", null, self.inline(bullet[1], byMarker)));
        return;
      }
      bullets = null;
      var span = !placed ? findItems(line, items) : null;
      if (span) { // "…: An Giang, Bắc Giang, … [1]": the enumeration as a list
        placed = true;
        var before = line.slice(0, span[0]).replace(/[:\s]+$/, "");
        var after = line.slice(span[1]).trim();
        var markers = /^((?:\s*\[\d+\])+)\s*[.;]?\s*(.*)$/.exec(after);
        if (markers) { // "…, Yên Bái [1]." : the citation belongs to the lead-in, not to a line of its own
          before += " " + markers[1].trim();
          after = markers[2];
        }
        parts.push(el("p", null, self.inline(before + ":", byMarker)));
        parts.push(el("ul", { class: "items", "aria-label": "Danh sách (" + items.length + ")" },
          items.map(function (item) { return el("li", { text: item }); })));
        if (after && !/^[.;,\s]*$/.test(after)) parts.push(el("p", null, self.inline(after, byMarker)));
      } else {
        parts.push(el("p", null, self.inline(line, byMarker)));
      }
    });
    if (items.length && !placed && !items.every(function (item) { return text.indexOf(item) >= 0; })) {
      parts.push(el("ul", { class: "items", "aria-label": "Danh sách (" + items.length + ")" },
        items.map(function (item) { return el("li", { text: item }); })));
    }
    if (citations.length) {
      parts.push(el("div", { class: "sources" }, [
        el("h3", { text: "Nguồn" }),
        el("ol", { style: "margin:0;padding-left:0;list-style:none" }, citations.map(function (c) {
          var b = el("button", { type: "button", "aria-haspopup": "dialog", text: "[" + c.marker + "] " + sourceLabel(c) });
          b.addEventListener("click", function () { self.openSource(c, b, c.marker); });
          return el("li", null, [b]);
        }))
      ]));
    }
    var related = answer.related || [];
    if (!grounded && related.length) {
      parts.push(el("div", { class: "related" }, [
        el("h3", { text: "Có thể liên quan" }),
        el("ul", null, related.slice(0, 5).map(function (c) {
          var b = el("button", { type: "button", "aria-haspopup": "dialog", text: sourceLabel(c) });
          b.addEventListener("click", function () { self.openSource(c, b, null); });
          return el("li", null, [b]);
        }))
      ]));
    }
    if (answer.as_of && grounded) parts.push(el("p", { class: "asof", text: "Số liệu tính đến " + vnDate(answer.as_of) }));
    var copy = el("button", { type: "button", class: "copy", text: "Sao chép", "aria-label": "Sao chép câu trả lời" });
    copy.addEventListener("click", function () { self.copy(answer, copy); });
    var tools = [copy];
    if (citations.length) {
      var all = el("button", { type: "button", class: "allsources", "aria-haspopup": "dialog", text: "Xem nguồn (" + citations.length + ")" });
      all.addEventListener("click", function () { self.openSources(citations, all); });
      tools.push(all);
    }
    if (this.features.feedback) tools.push(this.feedbackButtons(question || answer.question || "", answer));
    parts.push(el("div", { class: "tools" }, tools));

    bubble.className = "msg bot" + (grounded ? "" : " notfound");
    bubble.textContent = "";
    bubble.appendChild(el("span", { class: "sr", text: "Trợ lý trả lời: " }));
    parts.forEach(function (p) { bubble.appendChild(p); });
  };

  Widget.prototype.copy = function (answer, button) {
    var self = this;
    var lines = [answer.answer];
    var items = answer.items || [];
    if (items.length && items.some(function (i) { return answer.answer.indexOf(i) < 0; })) {
      items.forEach(function (i) { lines.push("- " + i); });
    }
    if ((answer.citations || []).length) {
      lines.push("", "Nguồn:");
      answer.citations.forEach(function (c) { lines.push("[" + c.marker + "] " + sourceLabel(c)); });
    }
    var text = lines.join("\n");
    function done() {
      button.textContent = "Đã sao chép";
      self.announce("Đã sao chép câu trả lời.");
      setTimeout(function () { button.textContent = "Sao chép"; }, 2000);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed"; area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (e) { self.announce("Không sao chép được."); }
      document.body.removeChild(area);
      button.focus();
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  };

  // ---------------------------------------------------------------- the source panel
  Widget.prototype.openSource = function (c, opener, marker) {
    if (this.lastChip) this.lastChip.removeAttribute("aria-expanded");
    this.lastChip = opener;
    opener.setAttribute("aria-expanded", "true");
    this.sourceTitle.textContent = (marker ? "[" + marker + "] " : "") + (c.title || c.document);
    var body = this.sourceBody;
    body.textContent = "";
    var facts = [["Tài liệu", c.document], ["Mục", c.section], ["Trang", c.page ? String(c.page) : ""], ["Số liệu đến", vnDate(c.as_of)]];
    var dl = el("dl");
    facts.forEach(function (f) {
      if (!f[1]) return;
      dl.appendChild(el("dt", { text: f[0] }));
      dl.appendChild(el("dd", { text: f[1] }));
    });
    body.appendChild(dl);
    var text = c.text || "";
    var span = findQuote(text, c.quote);
    var passage = el("p", { class: "passage", tabindex: "0", "aria-label": "Đoạn nguồn" });
    if (span) {
      passage.appendChild(document.createTextNode(text.slice(0, span[0])));
      passage.appendChild(el("mark", { text: text.slice(span[0], span[1]) }));
      passage.appendChild(document.createTextNode(text.slice(span[1])));
    } else {
      if (c.quote) body.appendChild(el("blockquote", { text: c.quote }));
      passage.textContent = text;
    }
    if (text) body.appendChild(passage);
    body.appendChild(this.originalButton(c));
    this.source.hidden = false;
    this.sourceClose.focus();
    var mark = passage.querySelector("mark");
    if (mark && mark.scrollIntoView) setTimeout(function () { mark.scrollIntoView({ block: "center" }); }, 30);
  };

  Widget.prototype.closeSource = function (quiet) {
    if (this.source.hidden) return;
    this.source.hidden = true;
    if (this.lastChip) {
      this.lastChip.removeAttribute("aria-expanded");
      if (!quiet && this.lastChip.isConnected) this.lastChip.focus();
    }
  };

  /** Every cited passage of an answer in one panel: title, section, page, date, quote, original file. */
  Widget.prototype.openSources = function (citations, opener) {
    var self = this;
    if (this.lastChip) this.lastChip.removeAttribute("aria-expanded");
    this.lastChip = opener;
    opener.setAttribute("aria-expanded", "true");
    this.sourceTitle.textContent = "Nguồn của câu trả lời (" + citations.length + ")";
    var body = this.sourceBody;
    body.textContent = "";
    body.appendChild(el("ol", { class: "srclist" }, citations.map(function (c) {
      var facts = el("dl");
      [["Mục", c.section], ["Trang", c.page ? String(c.page) : ""], ["Số liệu đến", vnDate(c.as_of)], ["Tệp", c.document]].forEach(function (f) {
        if (!f[1]) return;
        facts.appendChild(el("dt", { text: f[0] }));
        facts.appendChild(el("dd", { text: f[1] }));
      });
      return el("li", null, [
        el("h3", { text: "[" + c.marker + "] " + (c.title || c.document) }), facts,
        c.quote ? el("blockquote", { text: c.quote }) : null,
        self.originalButton(c)
      ]);
    })));
    this.source.hidden = false;
    this.sourceClose.focus();
  };

  function docId(c) { return (c.chunk_id || "").split(":")[0] || c.document; }

  function isViewable(name) { return /\.(pdf|txt|md)$/i.test(name || ""); }

  /** "mở văn bản gốc": GET /api/documents/{id}/file (PDFs at #page=N), with the same token as chat. */
  Widget.prototype.originalButton = function (c) {
    var self = this;
    var holder = el("div", { class: "origwrap" });
    var button = el("button", { type: "button", class: "orig", text: "Mở văn bản gốc" + (c.page && /\.pdf$/i.test(c.document) ? " (trang " + c.page + ")" : "") });
    button.addEventListener("click", function () { self.openOriginal(c, holder); });
    holder.appendChild(button);
    return holder;
  };

  Widget.prototype.openOriginal = function (c, holder) {
    var old = holder.querySelector(".origerr");
    if (old) holder.removeChild(old);
    var url = config.apiBase + "/api/documents/" + encodeURIComponent(docId(c)) + "/file";
    var anchor = /\.pdf$/i.test(c.document) && c.page ? "#page=" + c.page : "";
    // Opened now, inside the click, so no pop-up blocker stops it; filled once the file has arrived.
    var win = isViewable(c.document) ? window.open("", "_blank") : null;
    function fail(message) {
      if (win) win.close();
      holder.appendChild(el("p", { class: "origerr", role: "alert", text: message }));
    }
    fetch(url, { headers: this.headers() }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (b) {
          fail("Không mở được văn bản gốc: " + ((b.error && b.error.message) || ("lỗi " + response.status)));
        });
      }
      return response.blob().then(function (blob) {
        var local = URL.createObjectURL(blob);
        if (win) win.location.href = local + anchor;
        else {
          var a = el("a", { href: local, download: c.document });
          document.body.appendChild(a); a.click(); document.body.removeChild(a);
        }
        setTimeout(function () { URL.revokeObjectURL(local); }, 120000);
      });
    }).catch(function () { fail("Không mở được văn bản gốc: không kết nối được máy chủ."); });
  };

  // ---------------------------------------------------------------- history and feedback (when the server has them)
  /** The server's OpenAPI schema says which optional endpoints it has; the controls stay hidden otherwise. */
  Widget.prototype.loadFeatures = function () {
    var self = this;
    if (!window.fetch) return;
    fetch(config.apiBase + "/openapi.json").then(function (r) { return r.ok ? r.json() : { paths: {} }; }).then(function (schema) {
      var paths = schema.paths || {};
      self.features.feedback = !!(paths["/api/feedback"] && paths["/api/feedback"].post);
      self.features.conversations = !!paths["/api/conversations/{conversation_id}"] || !!paths["/api/conversations/{id}"];
      if (self.features.conversations) {
        self.historyButton.hidden = false;
        self.restore();
      }
    }).catch(function () {});
  };

  var CONVERSATIONS_KEY = "baocao-conversations";

  function storedConversations() {
    try { return JSON.parse(window.localStorage.getItem(CONVERSATIONS_KEY) || "[]"); } catch (e) { return []; }
  }

  function storeConversations(list) {
    try { window.localStorage.setItem(CONVERSATIONS_KEY, JSON.stringify(list.slice(0, 50))); } catch (e) { /* private mode */ }
  }

  /** After an answer: this browser remembers the conversation id (the server keeps the turns). */
  Widget.prototype.remember = function (question, answer) {
    if (!this.features.conversations || !answer.conversation_id) return;
    var list = storedConversations().filter(function (c) { return c.id !== answer.conversation_id; });
    var known = storedConversations().filter(function (c) { return c.id === answer.conversation_id; })[0];
    list.unshift({ id: answer.conversation_id, title: (known && known.title) || question.slice(0, 80), at: Date.now() });
    storeConversations(list);
    if (!this.history.hidden) this.renderHistory();
  };

  Widget.prototype.conversationUrl = function (id) {
    return config.apiBase + "/api/conversations/" + encodeURIComponent(id);
  };

  /** On load: the last conversation of this browser, from the server. */
  Widget.prototype.restore = function () {
    var last = storedConversations()[0];
    if (last && !this.asked.length) this.openConversation(last.id);
  };

  Widget.prototype.openConversation = function (id) {
    var self = this;
    fetch(this.conversationUrl(id), { headers: this.headers() }).then(function (r) {
      if (r.status === 404) { storeConversations(storedConversations().filter(function (c) { return c.id !== id; })); return null; }
      return r.ok ? r.json() : null;
    }).then(function (conversation) {
      if (!conversation || self.busy) return;
      self.reset(true);
      self.conversationId = conversation.id;
      (conversation.turns || []).forEach(function (turn) {
        if (self.intro && self.intro.parentNode) self.intro.parentNode.removeChild(self.intro);
        self.log.appendChild(el("div", { class: "msg user" }, [el("span", { class: "sr", text: "Bạn hỏi: " }), turn.question]));
        var bubble = el("div", { class: "msg bot" });
        self.log.appendChild(bubble);
        var answer = typeof turn.answer === "string" ? { answer: turn.answer } : turn.answer;
        self.renderAnswer(bubble, answer, turn.question);
        self.asked.push(turn.question);
      });
      self.showTurn(null);
    }).catch(function () {});
  };

  Widget.prototype.toggleHistory = function () {
    var show = this.history.hidden;
    this.history.hidden = !show;
    this.historyButton.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) this.renderHistory();
  };

  Widget.prototype.renderHistory = function () {
    var self = this;
    var list = storedConversations();
    this.history.textContent = "";
    if (!list.length) { this.history.appendChild(el("p", { text: "Chưa có cuộc trò chuyện nào." })); return; }
    this.history.appendChild(el("ul", null, list.map(function (c) {
      return el("li", null, [
        el("button", { type: "button", class: "open", text: c.title, title: c.title, onclick: function () { self.openConversation(c.id); } }),
        el("button", { type: "button", class: "rename", text: "Đổi tên", "aria-label": "Đổi tên: " + c.title, onclick: function () { self.renameConversation(c); } }),
        el("button", { type: "button", class: "delete", text: "Xoá", "aria-label": "Xoá: " + c.title, onclick: function () { self.deleteConversation(c); } })
      ]);
    })));
  };

  Widget.prototype.renameConversation = function (c) {
    var self = this;
    var title = window.prompt("Tên mới cho cuộc trò chuyện:", c.title);
    if (!title || !title.trim()) return;
    fetch(this.conversationUrl(c.id), { method: "PATCH", headers: this.headers(), body: JSON.stringify({ title: title.trim() }) })
      .then(function (r) {
        if (!r.ok) return;
        storeConversations(storedConversations().map(function (x) { return x.id === c.id ? { id: x.id, title: title.trim(), at: x.at } : x; }));
        self.renderHistory();
      }).catch(function () {});
  };

  Widget.prototype.deleteConversation = function (c) {
    var self = this;
    fetch(this.conversationUrl(c.id), { method: "DELETE", headers: this.headers() }).then(function (r) {
      if (!r.ok && r.status !== 404) return;
      storeConversations(storedConversations().filter(function (x) { return x.id !== c.id; }));
      if (self.conversationId === c.id) self.reset();
      self.renderHistory();
    }).catch(function () {});
  };

  var REASONS = ["sai số liệu", "thiếu", "không trích dẫn đúng", "khác"];

  /** 👍 / 👎 under an answer; 👎 asks for a reason (optional). POST /api/feedback. */
  Widget.prototype.feedbackButtons = function (question, answer) {
    var self = this;
    var box = el("span", { class: "fb", role: "group", "aria-label": "Đánh giá câu trả lời" });
    var up = el("button", { type: "button", text: "👍", "aria-label": "Câu trả lời hữu ích", "aria-pressed": "false" });
    var down = el("button", { type: "button", text: "👎", "aria-label": "Câu trả lời chưa đúng", "aria-pressed": "false" });
    function send(rating, reason) {
      var body = { question: question, answer: answer, rating: rating };
      if (self.conversationId) body.conversation_id = self.conversationId;
      if (reason) body.reason = reason;
      if (reason === "khác") {
        var comment = window.prompt("Góp ý của bạn (không bắt buộc):", "");
        if (comment && comment.trim()) body.comment = comment.trim().slice(0, 2000);
      }
      return fetch(config.apiBase + "/api/feedback", { method: "POST", headers: self.headers(), body: JSON.stringify(body) })
        .then(function (r) { self.announce(r.ok ? "Đã ghi nhận góp ý. Cảm ơn bạn!" : "Chưa gửi được góp ý."); return r.ok; })
        .catch(function () { self.announce("Chưa gửi được góp ý."); return false; });
    }
    up.addEventListener("click", function () {
      send("up").then(function (ok) { if (ok) { up.setAttribute("aria-pressed", "true"); down.disabled = true; } });
    });
    down.addEventListener("click", function () {
      down.setAttribute("aria-pressed", "true");
      up.disabled = true;
      var reasons = el("span", { class: "fb-reasons", role: "group", "aria-label": "Lý do" }, REASONS.map(function (r) {
        return el("button", { type: "button", text: r, onclick: function () {
          send("down", r).then(function () { if (reasons.parentNode) reasons.parentNode.removeChild(reasons); });
        } });
      }));
      box.parentNode.appendChild(reasons);
    });
    box.appendChild(up);
    box.appendChild(down);
    return box;
  };

  // ---------------------------------------------------------------- mount
  function mount() {
    var host;
    if (config.mode === "page" && config.target) host = document.querySelector(config.target);
    if (!host) {
      host = document.createElement("div");
      document.body.appendChild(host);
    }
    host.classList.add("baocao-widget");
    if (config.mode === "page") host.style.display = "block";
    var widget = new Widget(host);
    window.baocaoWidget = widget;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
