// The annotate page with JavaScript: keys, prefetch, background writes that are never lost.
// Without JavaScript the same page works as a plain form (POST, redirect).
(function () {
  "use strict";
  const root = document.getElementById("annotate");
  if (!root || !window.fetch) return;
  const cfg = root.dataset;
  const api = cfg.api.replace(/\/$/, "");
  const outboxKey = "annotator:outbox:" + cfg.user;
  const $ = (id) => document.getElementById(id);
  const buttons = Array.from(root.querySelectorAll(".label-button"));
  const byKey = Object.fromEntries(buttons.map((b) => [b.dataset.key.toLowerCase(), b]));
  const form = $("label-form"), comment = $("comment"), status = $("status"), help = $("help");

  let current = null;      // sentence object shown now
  let currentLabel = null; // {label, comment} when revisiting a labelled sentence
  let shownAt = performance.now();
  const queue = [];        // [{s, mine}]: prefetched sentences leased to us, or ones we stepped back from
  const history = [];      // [{s, mine}] labelled in this tab, for Back
  const labelled = new Set();
  let progress = null, fetching = null, flushing = false, retryMs = 1000, authLost = false;

  const outbox = {
    load() { try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { return []; } },
    save(items) { try { localStorage.setItem(outboxKey, JSON.stringify(items)); } catch (e) { /* private mode: memory only */ } },
  };
  let pending = outbox.load();

  function say(text, kind) {
    status.textContent = text || "";
    status.className = "status" + (kind ? " " + kind : "");
  }

  async function call(method, path, body) {
    const res = await fetch(api + path, {
      method, credentials: "same-origin",
      headers: Object.assign({ "Accept": "application/json", "X-CSRFToken": cfg.csrf },
        body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await res.json(); } catch (e) { /* empty body */ }
    return { status: res.status, data };
  }

  // --- writes: an outbox in localStorage, flushed in order, retried until stored ---
  function enqueue(item) {
    pending = pending.filter((p) => !(p.type === item.type && p.id === item.id));
    pending.push(item);
    outbox.save(pending);
    flush();
  }

  async function flush() {
    if (flushing || authLost) return;
    flushing = true;
    try {
      while (pending.length) {
        const item = pending[0];
        let res;
        try {
          res = item.type === "skip"
            ? await call("POST", "/sentences/" + item.id + "/skip")
            : await call("PUT", "/sentences/" + item.id + "/annotation", item.body);
        } catch (e) {
          say("Offline: " + pending.length + " label(s) kept in this browser, retrying…", "offline");
          setTimeout(flush, retryMs);
          retryMs = Math.min(retryMs * 2, 30000);
          return;
        }
        if (res.status === 401) {
          authLost = true;
          showSignIn();
          return;
        }
        if (res.status >= 500 || res.status === 429) {
          say("The server did not store a label yet (" + res.status + "); retrying…", "pending");
          setTimeout(flush, retryMs);
          retryMs = Math.min(retryMs * 2, 30000);
          return;
        }
        if (res.status >= 400) {
          const msg = res.data && res.data.error ? res.data.error.message : "error " + res.status;
          say("A label could not be stored: " + msg, "error");
        } else {
          if (res.status === 201 && progress) { progress.done += 1; drawProgress(); }
          const fb = res.data && res.data.feedback;
          if (fb) say("Known answer for that sentence: " + fb.label + ". " + fb.explanation);
        }
        pending.shift();
        outbox.save(pending);
        retryMs = 1000;
      }
      if (status.classList.contains("offline") || status.classList.contains("pending")) say("All labels saved.");
    } finally {
      flushing = false;
    }
  }

  function showSignIn() {
    status.textContent = "";
    status.className = "status error";
    status.append("Your session has expired. Your " + pending.length +
      " unsaved label(s) are kept in this browser and will be sent after you ");
    const a = document.createElement("a");
    a.href = cfg.login;
    a.textContent = "sign in again";
    status.append(a, ".");
  }

  // --- reads: the next sentences, leased to us, fetched ahead ---
  function fetchMore() {
    if (fetching) return fetching;
    fetching = call("GET", "/projects/" + encodeURIComponent(cfg.slug) + "/next?ahead=3").then((res) => {
      fetching = null;
      if (res.status === 401) { authLost = true; showSignIn(); return; }
      if (res.status !== 200 || !res.data) return;
      progress = res.data.progress;
      const seen = new Set(queue.map((e) => e.s.id));
      if (current) seen.add(current.id);
      for (const s of [res.data.sentence].concat(res.data.upcoming || [])) {
        if (s && !seen.has(s.id) && !labelled.has(s.id)) { queue.push({ s, mine: null }); seen.add(s.id); }
      }
      drawProgress();
    }, () => { fetching = null; });
    return fetching;
  }

  function drawProgress() {
    if (!progress) return;
    $("progress").max = Math.max(progress.total, 1);
    $("progress").value = progress.done;
    $("progress-text").textContent = progress.done + " / " + progress.total;
  }

  function paragraphs(el, texts) {
    el.replaceChildren(...texts.map((t) => { const p = document.createElement("p"); p.textContent = t; return p; }));
  }

  function draw(s, mine) {
    current = s;
    currentLabel = mine || null;
    $("article-title").textContent = s.article_title;
    paragraphs($("before"), s.context.before);
    paragraphs($("after"), s.context.after);
    const el = $("sentence");
    el.dataset.id = s.id;
    el.replaceChildren();
    let cursor = 0;
    for (const h of s.hints || []) {
      if (h.start < cursor) continue;
      el.append(s.text.slice(cursor, h.start));
      const m = document.createElement("mark");
      m.className = "hint " + h.type;
      m.title = h.type.replace("_", " ");
      m.textContent = s.text.slice(h.start, h.end);
      el.append(m);
      cursor = h.end;
    }
    el.append(s.text.slice(cursor));
    $("sentence-id").value = s.id;
    for (const b of buttons) b.setAttribute("aria-pressed", String(!!mine && mine.label === b.value));
    comment.value = mine && mine.comment ? mine.comment : "";
    shownAt = performance.now();
  }

  async function advance() {
    if (queue.length < 2) fetchMore();
    if (!queue.length) await fetchMore();
    if (queue.length) { const e = queue.shift(); draw(e.s, e.mine); return; }
    // Nothing left: let the server say so once every label is stored.
    await flush();
    if (!pending.length) window.location.reload();
    else { current = null; say("All sentences done; " + pending.length + " label(s) still being saved…", "pending"); }
  }

  function choose(labelId) {
    if (!current) return;
    const s = current;
    const body = { label: labelId, comment: comment.value.trim() || null,
      seconds: Math.round((performance.now() - shownAt) / 100) / 10,
      hints_shown: (s.hints || []).map((h) => h.term) };
    labelled.add(s.id);
    enqueue({ type: "label", id: s.id, body });
    history.push({ s, mine: { label: labelId, comment: body.comment } });
    advance(); // after a Back, the queue starts with where we were
  }

  function skip() {
    if (!current || currentLabel) return;
    enqueue({ type: "skip", id: current.id });
    advance();
  }

  function back() {
    const prev = history.pop();
    if (!prev) {
      const link = $("back");
      if (link) window.location.href = link.href; // the server knows older labels
      return;
    }
    if (current) queue.unshift({ s: current, mine: currentLabel });
    draw(prev.s, prev.mine);
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const btn = ev.submitter;
    if (btn && btn.name === "label") choose(btn.value);
    else if (btn && btn.value === "skip") skip();
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const typing = ev.target === comment || ev.target.tagName === "TEXTAREA" || ev.target.tagName === "SELECT";
    if (typing) {
      if (ev.key === "Escape") comment.blur();
      if (ev.key === "Enter") ev.preventDefault();
      return;
    }
    if (help.open && ev.key !== "?") return;
    const key = ev.key.toLowerCase();
    if (byKey[key]) { ev.preventDefault(); choose(byKey[key].value); }
    else if (key === "s") { ev.preventDefault(); skip(); }
    else if (ev.key === "Backspace" || ev.key === "ArrowLeft") { ev.preventDefault(); back(); }
    else if (key === "c") { ev.preventDefault(); comment.focus(); }
    else if (ev.key === "?") { ev.preventDefault(); help.open ? help.close() : help.showModal(); }
  });
  $("help-button").addEventListener("click", () => help.showModal());
  window.addEventListener("online", flush);

  // Start: the server rendered the first sentence (leased to us); fetch it with the next few.
  const first = Number($("sentence").dataset.id);
  const startMine = buttons.find((b) => b.getAttribute("aria-pressed") === "true");
  flush();
  if (startMine) {
    // Opened on a labelled sentence (the server's Back link): a key relabels it, then the queue goes on.
    current = { id: first, text: $("sentence").textContent, hints: [] };
    currentLabel = { label: startMine.value, comment: comment.value };
    fetchMore();
  } else {
    fetchMore().then(() => {
      const i = queue.findIndex((e) => e.s.id === first);
      const e = i >= 0 ? queue.splice(i, 1)[0] : queue.shift();
      if (e) draw(e.s, e.mine);
    });
  }
})();
