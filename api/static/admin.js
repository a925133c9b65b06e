/*
 * The admin page (/admin): status, uploads with per-file progress, the document list, delete, re-index,
 * feedback. Plain JavaScript, nothing fetched from outside. Every call carries the admin token, kept in
 * this tab only (sessionStorage).
 */
(function () {
  "use strict";

  var TOKEN_KEY = "baocao-admin-token";
  var $ = function (id) { return document.getElementById(id); };
  var token = sessionStorage.getItem(TOKEN_KEY) || "";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function vnDate(iso) {
    var m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(iso || "");
    if (!m) return iso || "";
    return [m[3], m[2], m[1]].filter(Boolean).join("/");
  }

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ Authorization: "Bearer " + token }, options.headers || {});
    return fetch(path, options);
  }

  function errorOf(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      return (body.error && body.error.message) || ("lỗi " + response.status);
    });
  }

  // ------------------------------------------------------------------ login
  function login(candidate) {
    token = candidate;
    return api("api/admin/documents").then(function (r) {
      if (r.ok) {
        sessionStorage.setItem(TOKEN_KEY, token);
        $("login").hidden = true;
        $("app").hidden = false;
        $("logout").hidden = false;
        return r.json().then(function (body) { renderDocs(body.documents); refreshStatus(); loadFeedback(); });
      }
      sessionStorage.removeItem(TOKEN_KEY);
      $("login").hidden = false;
      $("app").hidden = true;
      $("login-msg").className = "msg bad";
      $("login-msg").textContent = r.status === 403
        ? "Máy chủ chưa bật quản trị: đặt BAOCAO_ADMIN_TOKEN rồi khởi động lại máy chủ."
        : "Mã quản trị không đúng.";
    }).catch(function () {
      $("login-msg").className = "msg bad";
      $("login-msg").textContent = "Không kết nối được máy chủ.";
    });
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    login($("token").value.trim());
  });
  $("logout").addEventListener("click", function () {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });

  // ------------------------------------------------------------------ status
  var statusTimer = null;
  /** Up is not ready: during the start-up warm-up (`ready: false`) the page says so and asks again. */
  function refreshStatus() {
    clearTimeout(statusTimer);
    fetch("api/health").then(function (r) { return r.json(); }).then(function (h) {
      var up = h.status === "ok";
      var generator = h.generator === "llm" ? "Mô hình ngôn ngữ: " + (h.llm_model || "") : "Trích xuất (offline)";
      if (up && !h.ready) statusTimer = setTimeout(refreshStatus, 2000);
      var facts = [
        ["Trạng thái", !up ? "Không sẵn sàng" + (h.error ? ": " + h.error.message : "") : h.ready ? "Sẵn sàng" : "Đang khởi động…"],
        ["Văn bản", h.documents], ["Đoạn", h.chunks],
        ["Mô hình nhúng", h.embedding_model], ["Bộ trả lời", generator],
        ["Thế hệ chỉ mục", h.index_generation], ["Kho dữ liệu", h.store]
      ];
      var box = $("status");
      box.textContent = "";
      facts.forEach(function (f) {
        box.appendChild(el("div", null, [el("dt", { text: f[0] }), el("dd", { text: f[1] === undefined || f[1] === null ? "—" : String(f[1]) })]));
      });
    }).catch(function () { $("status").textContent = "Không đọc được trạng thái máy chủ."; });
  }

  // ------------------------------------------------------------------ documents
  function loadDocs() {
    return api("api/admin/documents").then(function (r) {
      return r.ok ? r.json().then(function (b) { renderDocs(b.documents); }) : errorOf(r).then(function (m) { $("docs-msg").textContent = m; });
    });
  }

  function renderDocs(documents) {
    var body = $("docs").querySelector("tbody");
    body.textContent = "";
    if (!documents.length) {
      body.appendChild(el("tr", null, [el("td", { colspan: "7", class: "muted", text: "Chưa có văn bản nào. Hãy nạp tệp ở trên." })]));
      return;
    }
    documents.forEach(function (d) {
      var warnings = (d.warnings || []).map(function (w) { return el("div", { class: "warn", text: "⚠ " + w }); });
      var reindex = el("button", { type: "button", class: "btn", text: "Nạp lại", disabled: !d.original_kept,
        title: d.original_kept ? "Đọc lại tệp gốc bằng quy trình hiện tại" : "Máy chủ không lưu tệp gốc của văn bản này",
        "aria-label": "Nạp lại " + d.document, onclick: function () { reindexDoc(d, reindex); } });
      var remove = el("button", { type: "button", class: "btn danger", text: "Xoá", "aria-label": "Xoá " + d.document,
        onclick: function () { deleteDoc(d); } });
      body.appendChild(el("tr", { "data-doc": d.doc_id }, [
        el("td", null, [el("div", { text: d.title || d.document }), el("div", { class: "muted", text: d.document })]),
        el("td", { text: d.issuer || "—" }),
        el("td", { text: vnDate(d.report_date) || "—" }),
        el("td", { text: vnDate(d.as_of) || "—" }),
        el("td", { class: "num", text: String(d.chunks) }),
        el("td", null, warnings.length ? warnings : [el("span", { class: "muted", text: "—" })]),
        el("td", null, [el("div", { class: "actions" }, [reindex, remove])])
      ]));
    });
  }

  function deleteDoc(d) {
    if (!window.confirm("Xoá văn bản \u201c" + (d.title || d.document) + "\u201d khỏi chỉ mục? Trợ lý sẽ không còn trả lời từ văn bản này.")) return;
    api("api/documents/" + encodeURIComponent(d.doc_id), { method: "DELETE" }).then(function (r) {
      if (r.ok) { $("docs-msg").textContent = "Đã xoá " + d.document + "."; loadDocs(); refreshStatus(); }
      else errorOf(r).then(function (m) { $("docs-msg").textContent = "Không xoá được: " + m; });
    });
  }

  function reindexDoc(d, button) {
    button.disabled = true;
    button.textContent = "Đang nạp lại…";
    api("api/admin/documents/" + encodeURIComponent(d.doc_id) + "/reindex", { method: "POST" }).then(function (r) {
      if (r.ok) return r.json().then(function (b) { $("docs-msg").textContent = "Đã nạp lại " + d.document + ": " + b.reindexed.chunks + " đoạn."; loadDocs(); refreshStatus(); });
      return errorOf(r).then(function (m) { $("docs-msg").textContent = "Không nạp lại được: " + m; button.disabled = false; button.textContent = "Nạp lại"; });
    });
  }

  // ------------------------------------------------------------------ uploads
  var STAGES = { queued: "Đang chờ đến lượt", reading: "Đang đọc tệp", ocr: "Đang nhận dạng chữ (OCR)",
    structure: "Đang phân tích cấu trúc", embedding: "Đang tính vector", indexing: "Đang ghi vào chỉ mục", finished: "Xong" };

  function uploadFiles(files) {
    Array.prototype.forEach.call(files, uploadOne);
  }

  function uploadOne(file) {
    var bar = el("progress", { max: "1", value: "0" });
    var state = el("div", { class: "state", text: "Đang tải lên…" });
    var item = el("li", { class: "uploading" }, [el("span", { class: "name", text: file.name }), el("span", { class: "muted", text: Math.ceil(file.size / 1024) + " KB" }), bar, state]);
    $("uploads").appendChild(item);
    function finish(ok, text) {
      item.className = ok ? "done" : "failed";
      bar.value = 1;
      state.textContent = text;
      loadDocs();
      refreshStatus();
    }
    var form = new FormData();
    form.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "api/documents");
    xhr.setRequestHeader("Authorization", "Bearer " + token);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = 0.3 * e.loaded / e.total; state.textContent = "Đang tải lên " + Math.round(100 * e.loaded / e.total) + "%"; }
    };
    xhr.onerror = function () { finish(false, "Không tải lên được: mất kết nối tới máy chủ."); };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 400) { finish(false, "Không nạp được: " + ((body.error && body.error.message) || ("lỗi " + xhr.status))); return; }
      follow(body.job);
    };
    xhr.send(form);

    function follow(job) {
      if (job.status === "done") {
        if (job.outcome === "duplicate") finish(true, "Đã có sẵn trong chỉ mục" + (job.duplicate_of ? " (trùng với " + job.duplicate_of + ")" : "") + ".");
        else finish(true, "Đã nạp: " + job.chunks + " đoạn" + (job.warnings && job.warnings.length ? ". Cảnh báo: " + job.warnings.join("; ") : "."));
        return;
      }
      if (job.status === "failed") { finish(false, "Không nạp được: " + job.message); return; }
      bar.value = 0.3 + 0.7 * (job.progress || 0);
      state.textContent = (STAGES[job.stage] || job.stage) + (job.queue_position ? " (còn " + job.queue_position + " tệp trước)" : "") + "…";
      setTimeout(function () {
        api(job.url).then(function (r) { return r.ok ? r.json() : errorOf(r).then(function (m) { throw new Error(m); }); })
          .then(function (b) { follow(b.job); })
          .catch(function (e) { finish(false, "Không theo dõi được tiến độ: " + e.message); });
      }, 600);
    }
  }

  var drop = $("drop");
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) uploadFiles(e.dataTransfer.files); });
  $("files").addEventListener("change", function () { uploadFiles(this.files); this.value = ""; });

  // ------------------------------------------------------------------ feedback (GET /api/feedback, when the server has it)
  var feedback = [];

  function loadFeedback() {
    api("api/feedback").then(function (r) {
      if (r.status === 404) {
        $("fb-filters").hidden = true;
        $("fb-wrap").hidden = true;
        $("fb-msg").textContent = "Chức năng góp ý chưa có trên máy chủ này.";
        return;
      }
      if (!r.ok) return errorOf(r).then(function (m) { $("fb-msg").textContent = "Không đọc được góp ý: " + m; });
      return r.json().then(function (body) { feedback = body.feedback || body.items || []; renderFeedback(); });
    }).catch(function () { $("fb-msg").textContent = "Không đọc được góp ý."; });
  }

  function answerText(f) { return typeof f.answer === "string" ? f.answer : ((f.answer && f.answer.answer) || ""); }

  function renderFeedback() {
    var rating = $("fb-rating").value, reason = $("fb-reason").value, q = $("fb-search").value.trim().toLowerCase();
    var rows = feedback.filter(function (f) {
      return (!rating || f.rating === rating) && (!reason || f.reason === reason) &&
        (!q || ((f.question || "") + " " + answerText(f) + " " + (f.comment || "")).toLowerCase().indexOf(q) >= 0);
    });
    var body = $("fb").querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (f) {
      var at = f.at || f.created_at;
      body.appendChild(el("tr", null, [
        el("td", { text: at ? new Date(typeof at === "number" ? at * 1000 : at).toLocaleString("vi-VN") : "—" }),
        el("td", { text: f.rating === "up" ? "👍" : "👎" }),
        el("td", { text: [f.reason, f.comment].filter(Boolean).join(": ") || "—" }),
        el("td", { text: f.question || "" }),
        el("td", { text: answerText(f).slice(0, 300) })
      ]));
    });
    $("fb-msg").textContent = rows.length ? rows.length + " góp ý." : "Không có góp ý nào khớp bộ lọc.";
  }

  ["fb-rating", "fb-reason", "fb-search"].forEach(function (id) { $(id).addEventListener("input", renderFeedback); });

  if (token) login(token);
  else $("token").focus();
})();
