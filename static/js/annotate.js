// The annotate page with JavaScript: keys, evidence spans, prefetch, and background writes that
// are never lost. Without JavaScript the same page works as a plain form (POST, redirect).
//
// Writes go to an outbox in localStorage first and are sent in order, retried until stored:
// a network drop, a server error or an expired session keeps them (the page says so), and
// they are sent when the server answers again or after the user signs in again.
(function () {
  "use strict";
  const root = document.getElementById("annotate");
  if (!root || !window.fetch) return;
  const cfg = root.dataset;
  const api = cfg.api.replace(/\/$/, "");
  const outboxKey = "annotator:outbox:" + cfg.user;
  const $ = (id) => document.getElementById(id);
  const comment = $("comment"), status = $("status"), help = $("help"), retryButton = $("retry");
  const sentenceEl = $("sentence"), backLink = $("back"), spanTools = $("span-tools");
  const unitEl = sentenceEl.closest("section") || root, titleEl = $("article-title");
  const forwardLink = $("forward"), unlabelButton = $("unlabel"), revisitNote = $("revisit");
  const spanList = $("span-list"), spanStatus = $("span-status");
  const buttons = Array.from(root.querySelectorAll(".label-button"));
  const byKey = Object.fromEntries(buttons.map((b) => [b.dataset.key.toLowerCase(), b]));
  const modes = Object.fromEntries(buttons.map((b) => [b.value, b.dataset.spans || "optional"]));
  // a label's name: the button's own words, without its "(the model's guess)" note
  const names = Object.fromEntries(buttons.map((b) => [b.value, b.querySelector(".name").firstChild.textContent.trim()]));
  const spansOn = !!spanTools && buttons.some((b) => modes[b.value] !== "off");
  // The project's task shape (issue 17; labelling.validate on the server): one label or several
  // (label keys then toggle, Enter saves), a confidence scale of POINTS points (asked for after
  // the label), an unsure flag (U), a rationale per label (off | optional | required; R).
  const form = $("label-form");
  const MULTI = form.dataset.task === "multi", POINTS = Number(form.dataset.confidence || 0);
  const confBox = $("confidence"), unsureBox = $("unsure"), rationaleEl = $("rationale");
  const RATIONALE = Object.fromEntries(buttons.map((b) => [b.value, b.dataset.rationale || "off"]));
  const inOrder = (ids) => buttons.map((b) => b.value).filter((v) => ids.includes(v));
  const labelsOf = (m) => (m ? (m.labels && m.labels.length ? m.labels : [m.label]) : []);
  // A label's name inside a message, isolated (FSI ... PDI) so that a name in another script
  // or with brackets keeps its own order in a right-to-left sentence.
  const nameOf = (l) => "\u2068" + (names[l] || l) + "\u2069";
  // The page's words in the interface's language: the template's #ui-strings, from the gettext
  // catalogue (web/i18n.py, JS_MESSAGES); English where one is missing. %(name)s takes vars.name.
  const UI = JSON.parse(($("ui-strings") || {}).textContent || "{}");
  const tr = (text, vars) => (UI[text] || text).replace(/%\((\w+)\)s/g, (m, k) => (vars && k in vars ? vars[k] : m));
  // ... with elements (a <kbd>, a <strong>) for some of the %(name)s.
  const trNodes = (text, parts) => (UI[text] || text).split(/(%\(\w+\)s)/).filter(Boolean)
    .map((piece) => { const m = /^%\((\w+)\)s$/.exec(piece); return m && m[1] in parts ? parts[m[1]] : piece; });
  // The project's span types (the page's span buttons): the word a chip shows, its palette
  // colour, and whether its words have a voice (author or attributed).
  const spanButtons = spanTools ? Array.from(spanTools.querySelectorAll("[data-span]")) : [];
  const SPAN_NAMES = Object.fromEntries(spanButtons.map((b) => [b.dataset.span, b.dataset.word]));
  const SPAN_COLOURS = Object.fromEntries(spanButtons.map((b) => [b.dataset.span, (/sp-c\d/.exec(b.className) || [""])[0]]));
  const VOICED = new Set(spanButtons.filter((b) => b.dataset.voice).map((b) => b.dataset.span));
  const idList = (v) => (v ? v.split(",") : []);
  const SPAN_RULES = Object.fromEntries(spanButtons.map((b) => [b.dataset.span, {
    labels: b.dataset.labels === undefined ? null : idList(b.dataset.labels), required: idList(b.dataset.required) }]));
  const VOICES = { author: tr("author"), attributed: tr("attributed") };
  const HINTS = { cue: tr("cue"), source: tr("source"), contested_term: tr("contested term") };
  // Evidence keys; a project's label key with the same letter wins (the button still works).
  const spanKeys = {};
  for (const b of spanButtons) {
    if (byKey[b.dataset.key]) {
      b.removeAttribute("aria-keyshortcuts");
      b.querySelector("kbd").remove();
    } else spanKeys[b.dataset.key] = b.dataset.span;
  }
  const freeKey = (k) => (byKey[k] ? null : k);
  const voiceKey = freeKey("v"), removeKey = freeKey("x"), viewKey = freeKey("a");
  // U marks unsure where the project has the flag (no label may take U there); else it removes
  // a revisited sentence's label.
  const unlabelKey = unsureBox ? null : freeKey("u");
  const rationaleKey = rationaleEl && !spanKeys.r ? freeKey("r") : null;
  if (rationaleEl && !rationaleKey) rationaleEl.removeAttribute("aria-keyshortcuts");
  for (const k of rationaleKey ? [] : root.querySelectorAll(".rationale-key")) k.remove();
  if (!unlabelKey && unlabelButton) {
    unlabelButton.removeAttribute("aria-keyshortcuts");
    for (const k of unlabelButton.querySelectorAll("kbd")) k.remove();
  }
  let csrf = cfg.csrf;

  let current = null;      // the sentence shown: the API's sentence object
  let currentLabel = null; // {label, comment, spans, labels, confidence, unsure, rationale} when revisiting a labelled sentence
  let chosen = [];         // labels picked but not saved yet: a multi-label choice, or a label
                           // waiting for its confidence or rationale
  let asking = null;       // "confidence" | "rationale": what the label in `chosen` waits for
  let confTouched = false; // a confidence was given for the sentence shown (a revisit shows the
                           // stored one, but a new label asks again)
  let pointed = false;     // the pointer is down on the confidence scale (a click, not an arrow key)
  // Revisiting: the sentence shown is behind the frontier (reached by Back, or named by the
  // URL's ?sentence=). `here` holds the server's neighbours of a revisited sentence: bk, the
  // one labelled before it, fwd, the one labelled after it (null: the frontier comes next).
  let revisiting = false, here = {};
  let shownAt = performance.now();
  // [{s, mine, draft, back, revisit, bk, fwd}]: prefetched sentences, after the ones we stepped
  // back from (back: true) in the order Forward shows them again.
  const queue = [];
  const trail = [];        // [{s, mine, ...}] behind the sentence shown, for Back
  const labelled = new Set();
  const latest = new Map(); // sentence id -> this tab's last word on its label (null: none), which
                            // beats a server's view read before that write was stored
  let loading = false;      // a revisited sentence is on its way from the server
  let serverBack = cfg.back ? Number(cfg.back) : null; // labelled before this page was loaded
  const skipFence = new Map(); // sentence id -> fetches older than this still see it held
  let progress = null, fetching = null, fetchSeq = 0, waitTimer = 0;
  let stall = null;        // why no sentence is shown: "offline" | "auth" | "done"
  const views = textViews(); // the focused and the article view (article_view.js)
  let flushing = false, retryMs = 1000, retryTimer = 0, authLost = false, authTimer = 0;

  // --- the outbox: localStorage (shared by this user's tabs), memory if storage is refused ---
  let storageOk = true;
  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { storageOk = false; return null; }
  }
  function saveOutbox() {
    try { localStorage.setItem(outboxKey, JSON.stringify(pending)); storageOk = true; } catch (e) { storageOk = false; }
    cfg.unsaved = String(pending.length);
  }
  let pending = loadOutbox() || [];
  function reloadOutbox() { if (storageOk) { const fresh = loadOutbox(); if (fresh) pending = fresh; } }
  const unsavedLabels = () => pending.filter((p) => p.type === "label").length;
  const waitsInOutbox = (id) => pending.some((p) => p.id === id); // labelled or skipped, not stored yet
  cfg.unsaved = String(pending.length);

  function say(text, kind) {
    status.textContent = text || "";
    status.className = "status" + (kind ? " " + kind : "");
    delete status.dataset.session; // set while it tells of a lost or renewed session
  }

  async function call(method, path, body) {
    const res = await fetch(api + path, {
      method, credentials: "same-origin",
      headers: Object.assign({ "Accept": "application/json", "X-CSRFToken": csrf },
        body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await res.json(); } catch (e) { /* empty body */ }
    if (res.ok && retryTimer) setTimeout(flush, 0); // the server is back: do not wait for the timer
    return { status: res.status, data };
  }

  // --- writes: sent in order, retried until the server has them ---
  function enqueue(item) {
    reloadOutbox();
    item.uid = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    pending = pending.filter((p) => !(p.type === item.type && p.id === item.id));
    pending.push(item);
    saveOutbox();
    flush();
  }

  function send(item) {
    if (item.type === "skip") return call("POST", "/sentences/" + item.id + "/skip");
    if (item.type === "unlabel") return call("DELETE", "/sentences/" + item.id + "/annotation");
    return call("PUT", "/sentences/" + item.id + "/annotation", item.body);
  }

  // What the outbox says about a sentence's label: undefined if nothing waits for it.
  function outboxLabel(id) {
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i];
      if (p.id !== id) continue;
      if (p.type !== "label") return null;
      const b = p.body;
      return { label: b.label, comment: b.comment, spans: b.spans, labels: b.labels || null,
        confidence: b.confidence || null, unsure: !!b.unsure, rationale: b.rationale || null };
    }
    return undefined;
  }

  function retryLater(text, kind) {
    say(text + " " + tr("Retrying in %(seconds)s s.", { seconds: Math.round(retryMs / 1000) }), kind);
    retryButton.hidden = false;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryMs);
    retryMs = Math.min(retryMs * 2, 15000);
  }

  async function flush() {
    if (flushing || authLost) return;
    clearTimeout(retryTimer);
    retryTimer = 0;
    flushing = true;
    let renewed = false;
    try {
      reloadOutbox();
      while (pending.length) {
        const item = pending[0];
        let res;
        try {
          res = await send(item);
        } catch (e) {
          retryLater(tr("Offline: %(n)s unsaved change(s) kept in this browser.", { n: pending.length }), "offline");
          return;
        }
        if (res.status === 401) { lostSession(); return; }
        if (res.status === 400 && res.data && res.data.error && res.data.error.code === "csrf_failed") {
          if (!renewed && await renewSession()) { renewed = true; continue; } // a new sign-in, a new token
          lostSession();
          return;
        }
        if (res.status >= 500 || res.status === 429 || res.status === 408) {
          retryLater(tr("The server did not store %(n)s change(s) yet (error %(status)s).", { n: pending.length, status: res.status }), "pending");
          return;
        }
        if (res.status >= 400) {
          const msg = res.data && res.data.error ? res.data.error.message : tr("error %(status)s", { status: res.status });
          say(tr("The label of sentence %(id)s was refused: %(message)s", { id: item.id, message: msg }), "error");
        } else {
          if (res.status === 201 && progress) { progress.done += 1; drawProgress(); }
          if (progress && res.data && (res.data.deleted === true || res.data.unlabelled === true)) {
            progress.done = Math.max(0, progress.done - 1);
            drawProgress();
          }
          const fb = res.data && res.data.feedback;
          if (fb) say(tr("Known answer for that sentence: %(label)s. %(explanation)s", { label: nameOf(fb.label), explanation: fb.explanation }));
          if (item.type === "skip") skipFence.set(item.id, fetchSeq);
          // Stored: a next fetched before this write may still list the sentence as ours (a
          // page loaded after signing in again knows it only from the outbox).
          if (item.type === "label" && !pending.some((p) => p.uid !== item.uid && p.id === item.id)) labelled.add(item.id);
        }
        reloadOutbox();
        pending = pending.filter((p) => p.uid !== item.uid);
        saveOutbox();
        retryMs = 1000;
      }
      retryButton.hidden = true;
      if (/offline|pending/.test(status.className) || status.dataset.session) say(tr("All labels saved."));
      if (stall === "done") reloadFrontier(); // the server shows what is next, or "All done"
      else if (stall && !current) advance();
    } finally {
      flushing = false;
    }
  }

  // --- an expired session: keep labelling into the outbox; send after a new sign-in ---
  function lostSession() {
    authLost = true;
    retryButton.hidden = true;
    status.textContent = "";
    status.className = "status error";
    status.dataset.session = "lost";
    status.append(tr("Your session has expired. %(n)s unsaved change(s) are kept in this browser and will be sent after you", { n: pending.length }) + " ");
    const a = document.createElement("a");
    a.href = cfg.login;
    a.textContent = tr("sign in again");
    status.append(a, " " + tr("(here or in another tab)."));
    clearInterval(authTimer);
    authTimer = setInterval(() => { if (!document.hidden) renewSession(true); }, 5000);
  }

  async function renewSession(thenFlush) {
    let data;
    try {
      const res = await fetch(cfg.session, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (res.status !== 200) return false;
      data = await res.json();
    } catch (e) { return false; }
    if (data.username !== cfg.user) {
      say(tr("You are signed in as %(other)s: the %(n)s change(s) made by %(user)s wait in this browser until %(user)s signs in again.",
        { other: data.username, n: pending.length, user: cfg.user }), "error");
      return false;
    }
    csrf = data.csrf_token;
    if (thenFlush && authLost) {
      authLost = false;
      clearInterval(authTimer);
      say(tr("Signed in again: sending your labels…"), "pending");
      status.dataset.session = "renewed";
      flush();
    }
    return true;
  }

  // --- reads: the next sentences, leased to us, fetched ahead ---
  function fetchMore() {
    if (fetching) return fetching;
    const seq = ++fetchSeq;
    // The server lists what we hold first (shown, queued, or labelled but not stored yet).
    const ahead = Math.min(10, 3 + queue.length + unsavedLabels());
    fetching = call("GET", "/projects/" + encodeURIComponent(cfg.slug) + "/next?ahead=" + ahead).then((res) => {
      fetching = null;
      if (res.status === 401) { lostSession(); return "auth"; }
      if (res.status !== 200 || !res.data) return "error";
      progress = res.data.progress;
      const seen = new Set(queue.map((e) => e.s.id));
      if (current) seen.add(current.id);
      for (const e of trail) seen.add(e.s.id);
      for (const s of [res.data.sentence].concat(res.data.upcoming || [])) {
        if (!s || seen.has(s.id) || labelled.has(s.id) || waitsInOutbox(s.id)) continue;
        const fence = skipFence.get(s.id);
        if (fence !== undefined && (fence === Infinity || seq <= fence)) continue;
        queue.push({ s, mine: null });
        seen.add(s.id);
        if (views) views.prefetch(s.article_id);
      }
      drawProgress();
      return "ok";
    }, () => { fetching = null; return "offline"; });
    return fetching;
  }

  function drawProgress() {
    if (!progress) return;
    $("progress").max = Math.max(progress.total, 1);
    $("progress").value = progress.done;
    $("progress-text").textContent = progress.done + " / " + progress.total;
  }

  // --- the sentence, its words, hints and evidence spans (offsets: UTF-16 here, code points in the API) ---
  const WORD = /[\p{L}\p{N}\p{M}]+(?:['’.,&\u2010\u2011-][\p{L}\p{N}\p{M}]+)*/gu;
  let words = [], spans = [], sel = null, lastSpan = null, conv = null;

  function converter(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return { toCp: (i) => i, fromCp: (i) => i };
    const to = [], from = [];
    let c = 0;
    for (let i = 0; i < text.length; i++, c++) {
      to[i] = c; from[c] = i;
      const code = text.charCodeAt(i);
      if (code >= 0xD800 && code <= 0xDBFF && i + 1 < text.length) to[++i] = c;
    }
    to[text.length] = c; from[c] = text.length;
    return { toCp: (i) => to[i], fromCp: (i) => from[i] };
  }

  function spansFromApi(list) {
    const n = current.text.length;
    return (list || []).map((x) => ({ s: conv.fromCp(x.start), e: conv.fromCp(x.end), label: x.label, voice: x.voice }))
      .filter((x) => x.s >= 0 && x.e <= n && x.s < x.e && SPAN_NAMES[x.label]);
  }

  function spansForApi() {
    return spans.map((x) => Object.assign({ start: conv.toCp(x.s), end: conv.toCp(x.e), label: x.label },
      VOICED.has(x.label) ? { voice: x.voice || "author" } : {}));
  }

  function selRange() {
    if (!sel) return null;
    return { s: words[Math.min(sel.a, sel.h)].s, e: words[Math.max(sel.a, sel.h)].e };
  }

  function renderSentence() {
    const text = current.text;
    const hints = (current.hints || []).map((h) => ({ s: conv.fromCp(h.start), e: conv.fromCp(h.end), type: h.type }));
    const cuts = new Set([0, text.length]);
    for (const x of words.concat(hints, spans)) { cuts.add(x.s); cuts.add(x.e); }
    const points = Array.from(cuts).sort((a, b) => a - b);
    const r = selRange();
    const frag = document.createDocumentFragment();
    let wi = 0;
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      const el = document.createElement("span");
      const cls = ["p"];
      el.textContent = text.slice(a, b);
      el.dataset.o = a;
      while (wi < words.length && words[wi].e <= a) wi++;
      if (wi < words.length && words[wi].s <= a && b <= words[wi].e) { cls.push("w"); el.dataset.w = wi; }
      const h = hints.find((x) => x.s <= a && b <= x.e);
      if (h) { cls.push("hint", h.type); el.title = tr("hint: %(kind)s", { kind: HINTS[h.type] || h.type.replace("_", " ") }); }
      for (const sp of spans) {
        if (sp.s <= a && b <= sp.e) cls.push("sp-" + sp.label, SPAN_COLOURS[sp.label], VOICED.has(sp.label) ? "v-" + (sp.voice || "author") : "");
      }
      if (r && r.s <= a && b <= r.e) cls.push("sel");
      el.className = cls.filter(Boolean).join(" ");
      frag.append(el);
    }
    sentenceEl.replaceChildren(frag);
  }

  // Sentence text inside the page's own words is bidi-isolated: FSI … PDI in strings (status
  // notes, aria labels), <bdi> in the chips; so an Arabic or Hebrew quotation never pulls the
  // quotes and colons of an English (or any) sentence around.
  function clip(x) {
    const t = Array.from(current.text.slice(x.s, x.e)); // by code point: never half an emoji
    return t.length > 70 ? t.slice(0, 67).join("") + "…" : t.join("");
  }
  function quote(x) { return "“\u2068" + clip(x) + "\u2069”"; }
  function quoted(x) {
    const b = document.createElement("bdi");
    b.textContent = clip(x);
    return ["“", b, "”"];
  }

  // The sentence's writing direction (the server's, else the browser's reading of dir="auto").
  function rtl() {
    const d = current && current.dir;
    return d === "rtl" || (d !== "ltr" && getComputedStyle(sentenceEl).direction === "rtl");
  }

  function renderSpans() {
    if (!spanList) return;
    spanList.replaceChildren(...spans.slice().sort((a, b) => a.s - b.s || a.e - b.e).map((sp) => {
      const li = document.createElement("li");
      li.className = ["span-chip", "sp-" + sp.label, SPAN_COLOURS[sp.label]].filter(Boolean).join(" ");
      const name = document.createElement("span");
      name.className = "chip-name";
      name.textContent = SPAN_NAMES[sp.label];
      li.append(name, " ", ...quoted(sp), " ");
      if (VOICED.has(sp.label)) {
        const v = document.createElement("button");
        v.type = "button";
        v.className = "chip-voice small";
        v.textContent = tr("voice: %(voice)s", { voice: VOICES[sp.voice || "author"] || sp.voice });
        v.setAttribute("aria-label", v.textContent + " " + tr("(%(span)s %(text)s; press to switch)", { span: SPAN_NAMES[sp.label], text: quote(sp) }));
        v.addEventListener("click", () => toggleVoice(sp));
        li.append(v, " ");
      }
      const x = document.createElement("button");
      x.type = "button";
      x.className = "chip-x small";
      x.textContent = "×";
      x.setAttribute("aria-label", tr("Remove %(span)s %(text)s", { span: SPAN_NAMES[sp.label], text: quote(sp) }));
      x.addEventListener("click", () => { removeSpans([sp]); });
      li.append(x);
      return li;
    }));
  }

  // The notes name Shift+→, the next-word key of left-to-right text; in right-to-left text the
  // next word is to the left, and the key Shift+←.
  function note(text) { if (spanStatus) spanStatus.textContent = rtl() ? text.replace(/Shift\+→/g, "Shift+←") : text; }

  function setSel(a, h) {
    sel = { a, h };
    renderSentence();
    const keys = Object.keys(spanKeys).map((k) => k.toUpperCase() + " " + SPAN_NAMES[spanKeys[k]]).join(", ");
    note(tr("Selected %(text)s", { text: quote(selRange()) }) + (keys ? tr(": press %(keys)s; Esc clears.", { keys }) : "."));
  }

  function clearSel(quiet) {
    if (!sel) return;
    sel = null;
    renderSentence();
    if (!quiet) note(tr("Selection cleared."));
  }

  function moveSel(step, extend) {
    if (!words.length) return;
    if (!sel) { const i = step > 0 ? 0 : words.length - 1; setSel(i, i); return; }
    const h = Math.max(0, Math.min(words.length - 1, sel.h + step));
    setSel(extend ? sel.a : h, h);
  }

  function mark(label) {
    const r = selRange();
    if (!r) { note(tr("Select words first: drag over them, or press Shift+→.")); return; }
    let sp = spans.find((x) => x.s === r.s && x.e === r.e && x.label === label);
    if (!sp) {
      sp = { s: r.s, e: r.e, label, voice: VOICED.has(label) ? "author" : undefined };
      spans.push(sp);
    }
    lastSpan = sp;
    sel = null;
    renderSentence();
    renderSpans();
    note(tr("Marked %(span)s %(text)s", { span: SPAN_NAMES[label], text: quote(sp) }) + (VOICED.has(label) && voiceKey ? tr("; V switches its voice.") : "."));
  }

  function removeSpans(list) {
    if (!list.length) { note(tr("No evidence span to remove.")); return; }
    spans = spans.filter((x) => !list.includes(x));
    if (list.includes(lastSpan)) lastSpan = spans[spans.length - 1] || null;
    renderSentence();
    renderSpans();
    note(tr("Removed %(spans)s.", { spans: list.map((x) => SPAN_NAMES[x.label] + " " + quote(x)).join(", ") }));
  }

  function removeKeyed() {
    const r = selRange();
    if (r) { removeSpans(spans.filter((x) => x.s < r.e && r.s < x.e)); sel = null; renderSentence(); }
    else removeSpans(lastSpan ? [lastSpan] : []);
  }

  function toggleVoice(sp) {
    if (!sp) {
      const r = selRange();
      const voiced = spans.filter((x) => VOICED.has(x.label));
      sp = (r && voiced.find((x) => x.s < r.e && r.s < x.e)) ||
        (lastSpan && VOICED.has(lastSpan.label) ? lastSpan : voiced[voiced.length - 1]);
    }
    if (!sp) { note(tr("No span with a voice to switch: mark one first.")); return; }
    sp.voice = sp.voice === "attributed" ? "author" : "attributed";
    lastSpan = sp;
    renderSentence();
    renderSpans();
    note(tr("%(span)s %(text)s: voice %(voice)s.", { span: SPAN_NAMES[sp.label], text: quote(sp), voice: VOICES[sp.voice] || sp.voice }));
  }

  // Mouse: a drag over the sentence selects whole words; a click selects one (Shift+click extends).
  function offsetOf(node, off) {
    if (node.nodeType === 3) return Number(node.parentNode.dataset.o) + off;
    if (node === sentenceEl) {
      const child = sentenceEl.childNodes[off];
      return child ? Number(child.dataset.o) : current.text.length;
    }
    const p = node.closest && node.closest(".p");
    return p ? Number(p.dataset.o) + (off ? p.textContent.length : 0) : 0;
  }

  if (spansOn) {
    document.addEventListener("mouseup", (ev) => {
      if (!current || ev.button !== 0) return;
      const ns = window.getSelection();
      if (!ns || !ns.rangeCount || ns.isCollapsed) return;
      // Shift+click extends the word selection (the click handler below): the browser's own
      // selection then runs from a caret the redrawn sentence no longer holds.
      if (ev.shiftKey && sel && sentenceEl.contains(ev.target)) { ns.removeAllRanges(); return; }
      const r = ns.getRangeAt(0);
      if (!r.intersectsNode(sentenceEl)) return;
      const a = sentenceEl.contains(r.startContainer) ? offsetOf(r.startContainer, r.startOffset) : 0;
      const b = sentenceEl.contains(r.endContainer) ? offsetOf(r.endContainer, r.endOffset) : current.text.length;
      const i = words.findIndex((w) => w.e > a);
      let j = -1;
      for (let k = words.length - 1; k >= 0; k--) if (words[k].s < b) { j = k; break; }
      if (i < 0 || j < i) return;
      ns.removeAllRanges();
      setSel(i, j);
    });
    sentenceEl.addEventListener("click", (ev) => {
      const ns = window.getSelection();
      if (ns && !ns.isCollapsed) return;
      const w = ev.target.closest && ev.target.closest(".w");
      if (!w) return;
      const i = Number(w.dataset.w);
      if (ev.shiftKey && sel) setSel(sel.a, i); else setSel(i, i);
    });
    for (const b of spanTools.querySelectorAll("[data-span]")) b.addEventListener("click", () => mark(b.dataset.span));
  }

  function paragraphs(el, texts) {
    el.replaceChildren(...texts.map((t) => { const p = document.createElement("p"); p.textContent = t; return p; }));
  }

  // The two views of the text (article_view.js); without that script, the context as before.
  function textViews() {
    if (!window.annotatorViews) return null;
    const toggle = $("view-toggle");
    if (!viewKey && toggle) { toggle.removeAttribute("aria-keyshortcuts"); toggle.querySelector("kbd").remove(); }
    return window.annotatorViews({
      root, sentenceEl, beforeEl: $("before"), afterEl: $("after"), articleEl: $("article"), toggleEl: toggle,
      colours: Object.fromEntries(buttons.map((b) => [b.value, Number((b.className.match(/label-(\d+)/) || [0, 1])[1])])),
      names, tr, storageKey: "annotator:view:" + cfg.user,
      getJson: (path) => call("GET", "/projects/" + encodeURIComponent(cfg.slug) + path).then((r) => (r.status === 200 ? r.data : null)),
      // This tab's last word on a label beats the one the server sent with the article.
      labelOf: (id, stored) => (latest.has(id) ? (latest.get(id) ? labelsOf(latest.get(id)) : null) : stored || null),
    });
  }

  function drawText(s) {
    if (views) views.draw(s);
    else { paragraphs($("before"), s ? s.context.before : []); paragraphs($("after"), s ? s.context.after : []); }
  }

  // meta: {revisit, bk, fwd} (see `here`); how: "push" | "replace" the URL's history entry, or
  // null when following the URL (the browser's own Back and Forward).
  function draw(s, mine, draft, meta, how) {
    clearTimeout(waitTimer);
    stall = null;
    current = s;
    if (latest.has(s.id)) mine = latest.get(s.id);
    currentLabel = mine || null;
    revisiting = !!(meta && meta.revisit);
    here = { bk: meta ? meta.bk : undefined, fwd: meta ? meta.fwd : undefined };
    conv = converter(s.text);
    words = Array.from(s.text.matchAll(WORD), (m) => ({ s: m.index, e: m.index + m[0].length }));
    spans = spansFromApi(mine ? mine.spans : draft);
    sel = null;
    lastSpan = spans[spans.length - 1] || null;
    titleEl.textContent = s.article_title;
    // lang and dir: the article's on the text's section, the title's and the sentence's own.
    if (s.lang) unitEl.lang = s.lang; else unitEl.removeAttribute("lang");
    unitEl.dir = s.article_dir || "auto";
    titleEl.dir = s.title_dir || "auto";
    sentenceEl.dir = s.dir || "auto";
    sentenceEl.dataset.id = s.id;
    renderSentence();
    renderSpans();
    drawText(s);
    if (spansOn) note(spans.length ? "" : tr("Evidence: drag over words, or press Shift+→ to select words."));
    $("sentence-id").value = s.id;
    comment.value = mine && mine.comment ? mine.comment : "";
    setShape(mine, meta && meta.shape);
    if (/\b(ask|here)\b/.test(status.className)) say(""); // about the sentence left behind
    root.classList.remove("waiting");
    showMine();
    syncUrl(how);
    shownAt = performance.now();
  }

  // The task-shape fields as a sentence's stored label (or none) has them, or as they were
  // left unsaved on it (a draft, kept across Back and Forward).
  function setShape(mine, draft) {
    const from = draft || mine;
    chosen = MULTI ? (draft ? draft.chosen.slice() : labelsOf(mine)) : [];
    asking = null;
    confTouched = !!(draft && draft.confidence);
    if (confBox) {
      confBox.classList.remove("asking");
      // a draft with no point touched shows the stored one, as the first visit did
      checkConfidence(draft && draft.confidence ? draft.confidence : mine ? mine.confidence : null);
    }
    if (unsureBox) unsureBox.checked = !!(from && from.unsure);
    if (rationaleEl) rationaleEl.value = from && from.rationale ? from.rationale : "";
  }

  // The task-shape fields as they are on the page now (null: the project has none).
  function shapeDraft() {
    if (!MULTI && !confBox && !unsureBox && !rationaleEl) return null;
    const checked = confBox && confTouched ? confBox.querySelector("input:checked") : null;
    return { chosen: MULTI ? chosen.slice() : [], confidence: checked ? Number(checked.value) : null,
      unsure: !!(unsureBox && unsureBox.checked), rationale: rationaleEl ? rationaleEl.value : "" };
  }

  // The label buttons, the revisit notice and the Back, Forward and Remove controls.
  function showMine() {
    const pressed = MULTI || chosen.length ? chosen : labelsOf(currentLabel);
    for (const b of buttons) {
      b.setAttribute("aria-pressed", String(pressed.includes(b.value)));
      // the model's label, outlined where this sentence is in the suggestion arm; never chosen
      b.classList.toggle("suggested", !!current && current.suggestion === b.value);
    }
    if (revisitNote) {
      revisitNote.hidden = !revisiting;
      const k = (t) => { const el = document.createElement("kbd"); el.textContent = t; return el; };
      if (currentLabel) {
        const name = document.createElement("strong");
        const extra = [currentLabel.confidence && POINTS ? tr("confidence %(n)s of %(points)s", { n: currentLabel.confidence, points: POINTS }) : "",
          currentLabel.unsure ? tr("unsure") : ""].filter(Boolean);
        name.textContent = labelsOf(currentLabel).map((l) => names[l] || l).join(", ") + (extra.length ? " (" + extra.join(", ") + ")" : "");
        revisitNote.replaceChildren(...(unlabelKey
          ? trNodes("You labelled this: %(label)s. Press a label to change it, %(u)s to remove it, %(s)s to skip it, %(forward)s to go forward.",
            { label: name, u: k("U"), s: k("S"), forward: k("→") })
          : trNodes("You labelled this: %(label)s. Press a label to change it, %(s)s to skip it, %(forward)s to go forward.",
            { label: name, s: k("S"), forward: k("→") })));
      } else {
        revisitNote.replaceChildren(...trNodes("Revisiting: you have not labelled this sentence. Press a label to give one, %(s)s to skip it, %(forward)s to go forward.",
          { s: k("S"), forward: k("→") }));
      }
    }
    if (unlabelButton) unlabelButton.hidden = !currentLabel;
    if (forwardLink) {
      forwardLink.hidden = !revisiting;
      forwardLink.href = here.fwd && !(queue[0] && queue[0].back) ? cfg.base + "?sentence=" + here.fwd : cfg.base;
    }
    if (backLink) backLink.hidden = !(trail.length || backId());
  }

  // The URL names the sentence shown while revisiting, and is the plain page at the frontier:
  // a reload shows the same sentence, and the browser's Back and Forward walk what was shown.
  function syncUrl(how) {
    if (!how || !current) return;
    const url = revisiting ? cfg.base + "?sentence=" + current.id : cfg.base;
    if (location.pathname + location.search === url) return;
    if (how === "replace") window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
  }

  function reloadFrontier() {
    if (location.search) window.history.replaceState(null, "", cfg.base);
    window.location.reload();
  }

  function waiting(text) {
    current = null;
    currentLabel = null;
    chosen = [];
    asking = null;
    revisiting = false;
    sel = null;
    root.classList.add("waiting");
    sentenceEl.dataset.id = "";
    sentenceEl.dir = "auto";
    sentenceEl.textContent = text;
    drawText(null);
    if (spanList) spanList.replaceChildren();
    showMine();
  }

  function drawNext(how) { const e = queue.shift(); draw(e.s, e.mine, e.draft, e, how); }

  async function advance(how) {
    if (queue.length < 2) fetchMore();
    if (queue.length) { drawNext(how || "push"); return; }
    waiting(tr("Loading the next sentence…"));
    const got = await fetchMore();
    if (current) return; // Back was pressed meanwhile
    if (queue.length) { drawNext(how || "push"); return; }
    if (got === "auth") { stall = "auth"; waiting(tr("Sign in again to get more sentences; your labels are kept.")); return; }
    if (got !== "ok") {
      stall = "offline";
      waiting(tr("Waiting for the server to send the next sentence… Your labels are kept in this browser."));
      clearTimeout(waitTimer);
      waitTimer = setTimeout(advance, Math.min(retryMs, 5000));
      return;
    }
    // Nothing left: reload once every change is stored, and the server says what is next.
    stall = "done";
    if (!pending.length && !authLost) { reloadFrontier(); return; }
    waiting(tr("All sentences done here; %(n)s change(s) still to be saved…", { n: pending.length }));
    flush();
  }

  // Leaving a revisited sentence forward: the one we stepped back from, else the one the server
  // says was labelled next, else the frontier (the queue, no round trip when prefetched).
  function moveOn(from, how) {
    if (queue.length && queue[0].back) { drawNext(how); return; }
    if (from.fwd) { openRevisit(from.fwd, how, true); return; }
    advance(how);
  }

  // A sentence labelled before this page was loaded, from the page's JSON twin.
  async function openRevisit(id, how, forward) {
    loading = true;
    let data = null;
    try {
      const res = await fetch(cfg.base + "?sentence=" + id, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (res.status === 401) lostSession();
      if (res.ok) data = await res.json();
    } catch (e) { /* offline: see below */ }
    loading = false;
    if (!data || !data.sentence) {
      say(tr("Sentence %(id)s could not be loaded; try again when the server answers.", { id }), "error");
      if (forward) advance(how);                        // the frontier instead
      else if (queue.length && queue[0].back) queue.shift(); // stay where we were
      return;
    }
    draw(data.sentence, data.mine, null, { revisit: true, bk: data.back, fwd: data.forward }, how);
  }

  function entry() {
    return { s: current, mine: currentLabel, draft: currentLabel ? null : spansForApi(),
      shape: shapeDraft(), revisit: revisiting, bk: here.bk, fwd: here.fwd };
  }

  // A label key or button: in a multi-label project it toggles the label in the choice (Enter
  // saves); else it is the choice, saved at once unless a confidence or rationale is wanted.
  function pick(labelId) {
    if (!current || loading) return;
    if (!MULTI) { chosen = [labelId]; commit(); return; }
    chosen = chosen.includes(labelId) ? chosen.filter((l) => l !== labelId) : inOrder(chosen.concat(labelId));
    stopAsking();
    say(chosen.length ? tr("Chosen: %(labels)s. Press Enter to save.", { labels: chosen.map(nameOf).join(", ") })
      : tr("No label chosen."), chosen.length ? "ask" : "");
  }

  // Ask for what the choice still needs: the confidence (digit keys) or a rationale (the field).
  function ask(what, label) {
    asking = what;
    showMine();
    if (what === "confidence") {
      confBox.classList.add("asking");
      confBox.scrollIntoView({ block: "nearest" });
      say(tr("How sure are you of “%(label)s”? Press 1 to %(n)s (Esc: choose again).", { label, n: POINTS }), "ask");
    } else {
      rationaleEl.focus();
      say(tr("“%(label)s” needs a rationale in this project: write why, then press Enter.", { label }), "ask");
    }
  }

  function stopAsking() {
    asking = null;
    if (confBox) confBox.classList.remove("asking");
    if (!MULTI) chosen = [];
    showMine();
  }

  // The scale's radio buttons show confidence n (null: none).
  function checkConfidence(n) {
    for (const r of confBox.querySelectorAll("input")) r.checked = Number(r.value) === n;
  }

  function setConfidence(n) {
    checkConfidence(n);
    confTouched = true;
  }

  // Save the choice: the project's rules checked here too (the server's labelling.validate),
  // so the sentence stays, with a clear message, until the label can be stored.
  function commit() {
    if (!current || loading) return;
    if (!chosen.length) { say(tr("Choose a label first."), "error"); return; }
    const s = current;
    const label = chosen.map(nameOf).join(", ");
    const chosenModes = chosen.map((l) => modes[l] || "optional");
    const mode = chosenModes.includes("required") ? "required" : chosenModes.every((m) => m === "off") ? "off" : "optional";
    let out = spansForApi();
    if (mode === "required" && !out.length) {
      say(tr("“%(label)s” needs evidence in this project: select words and mark them (%(kinds)s) before choosing the label.",
        { label, kinds: Object.values(SPAN_NAMES).join(", ") }), "error");
      note(tr("Select words: drag over them, or press Shift+→."));
      stopAsking();
      return;
    }
    // The project's rule of which labels may or must carry which span types (the server's
    // labels.check_span_labels).
    const wrong = out.find((x) => SPAN_RULES[x.label].labels && !chosen.some((l) => SPAN_RULES[x.label].labels.includes(l)));
    const missing = mode === "off" ? null : Object.keys(SPAN_RULES).find((t) =>
      chosen.some((l) => SPAN_RULES[t].required.includes(l)) && !out.some((x) => x.label === t));
    if (wrong || missing) {
      say(wrong ? tr("A %(span)s span does not go with “%(label)s” in this project: remove it (X) or choose another label.", { span: SPAN_NAMES[wrong.label], label })
        : tr("“%(label)s” needs a %(span)s span in this project: select words and mark them before choosing the label.", { span: SPAN_NAMES[missing], label }), "error");
      stopAsking();
      return;
    }
    const confidence = POINTS && confTouched ? Number((confBox.querySelector("input:checked") || {}).value) || null : null;
    if (POINTS && !confidence) { ask("confidence", label); return; }
    let rationale = rationaleEl ? rationaleEl.value.trim() || null : null;
    const needs = chosen.filter((l) => RATIONALE[l] === "required");
    if (needs.length && !rationale) { ask("rationale", needs.map(nameOf).join(", ")); return; }
    let dropped = "";
    if (mode === "off" && out.length) {
      dropped = tr("“%(label)s” takes no evidence spans in this project; %(n)s span(s) not saved.", { label, n: out.length });
      out = [];
    }
    if (rationale && chosen.every((l) => RATIONALE[l] === "off")) {
      dropped = tr("“%(label)s” takes no rationale in this project; the rationale was not saved.", { label });
      rationale = null;
    }
    if (dropped) say(dropped);
    else if (/error|ask/.test(status.className) && !authLost) say("");
    const body = { label: chosen[0], spans: out, comment: comment.value.trim() || null,
      seconds: Math.round((performance.now() - shownAt) / 100) / 10,
      hints_shown: (s.hints || []).map((h) => h.term) };
    if (MULTI) body.labels = chosen.slice();
    if (POINTS) body.confidence = confidence;
    if (unsureBox) body.unsure = unsureBox.checked;
    if (rationaleEl) body.rationale = rationale;
    const mine = { label: body.label, comment: body.comment, spans: out, labels: body.labels || null,
      confidence, unsure: !!body.unsure, rationale };
    chosen = [];
    asking = null;
    labelled.add(s.id);
    latest.set(s.id, mine);
    enqueue({ type: "label", id: s.id, body });
    const from = Object.assign(entry(), { mine, draft: null, shape: null, revisit: true });
    trail.push(from);
    if (revisiting) moveOn(from, "push");
    else advance("push");
  }

  function toggleUnsure() {
    if (!current) return;
    unsureBox.checked = !unsureBox.checked;
    say(unsureBox.checked ? tr("Marked unsure: the label you give now is saved as unsure (U takes it back).") : tr("Not marked unsure."), "here");
  }

  // Skip: the sentence goes to the end of the queue; a revisited one loses its label first
  // (the server does both; history keeps the label).
  function skip() {
    if (!current || loading) return;
    const from = entry();
    skipFence.set(current.id, Infinity);
    labelled.delete(current.id);
    latest.set(current.id, null);
    enqueue({ type: "skip", id: current.id });
    if (revisiting) {
      say(from.mine ? tr("Skipped: the sentence comes back at the end of your queue, without your label.") : tr("Skipped: the sentence comes back at the end of your queue."));
      moveOn(from, "push");
    } else advance("push");
  }

  // Remove my label: stay on the sentence, unlabelled (the server keeps it leased to me).
  function unlabel() {
    if (!current || !currentLabel || loading) return;
    enqueue({ type: "unlabel", id: current.id });
    latest.set(current.id, null);
    labelled.delete(current.id);
    currentLabel = null;
    revisiting = true;
    setShape(null);
    showMine();
    syncUrl("replace");
    say(tr("Label removed (the history keeps it). Press a label to give a new one, or S to skip."));
  }

  function backId() {
    if (here.bk !== undefined) return here.bk;
    return serverBack;
  }

  function back(how) {
    if (loading) return false;
    const prev = trail.pop();
    const older = prev ? null : backId();
    if (!prev && !older) return false;
    if (current) queue.unshift(Object.assign(entry(), { back: true }));
    if (prev) draw(prev.s, prev.mine, prev.draft, Object.assign({}, prev, { revisit: true }), how);
    else openRevisit(older, how, false);
    return true;
  }

  function forward(how) {
    if (!current || !revisiting || loading) return false;
    const from = entry();
    trail.push(from);
    moveOn(from, how);
    return true;
  }

  // The browser's Back or Forward changed the URL: walk this tab's trail and queue to the
  // sentence it names (none: the frontier), else let the server show it.
  function followUrl() {
    const named = new URLSearchParams(location.search).get("sentence");
    const want = named ? Number(named) : null;
    for (let i = 0; i < 1000; i++) {
      if (loading) return;
      if (want === null ? current && !revisiting : current && current.id === want) return;
      if (want !== null && trail.some((e) => e.s.id === want)) { back(null); continue; }
      if (want === null || queue.some((e) => e.back && e.s.id === want)) {
        if (queue.length && queue[0].back && forward(null)) continue;
      }
      break;
    }
    window.location.reload();
  }

  $("label-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const btn = ev.submitter;
    if (btn && btn.name === "label") pick(btn.value);
    else if (btn && btn.value === "save") commit();
    else if (btn && btn.value === "skip") skip();
    else if (btn && btn.value === "unlabel") unlabel();
  });
  if (backLink) backLink.addEventListener("click", (ev) => { ev.preventDefault(); back("push"); });
  if (forwardLink) forwardLink.addEventListener("click", (ev) => { ev.preventDefault(); forward("push"); });
  retryButton.addEventListener("click", () => { retryMs = 1000; flush(); if (!current) advance(); });
  window.addEventListener("popstate", followUrl);

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (ev.isComposing) return; // an input method is composing a character
    pointed = false;
    if (t === comment || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable ||
        (t.tagName === "INPUT" && t.type !== "radio" && t.type !== "checkbox")) {
      // In the rationale, Enter saves the label chosen (or leaves the field); Shift+Enter is a new line.
      if (t === rationaleEl && ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        t.blur();
        if (chosen.length) commit(); else say(tr("Now choose a label."));
        return;
      }
      if (ev.key === "Escape") t.blur();
      if (ev.key === "Enter" && t.tagName !== "TEXTAREA") ev.preventDefault();
      return;
    }
    if (help.open) {
      if (ev.key === "?") { ev.preventDefault(); help.close(); }
      return;
    }
    // A focused radio button or checkbox keeps its own keys (arrows move along the scale);
    // Enter on a confidence point saves the label waiting for it.
    if ((t.type === "radio" || t.type === "checkbox") && /^(Arrow|Home$|End$| $)/.test(ev.key)) return;
    if (confBox && confBox.contains(t) && ev.key === "Enter") {
      ev.preventDefault();
      if (t.type === "radio") { t.checked = true; confTouched = true; } // this point, given
      t.blur();
      if (asking === "confidence" || (MULTI && chosen.length)) commit();
      return;
    }
    // Enter on a focused button or link other than a label (Skip, Help, Remove, Back) is that
    // control's own.
    const control = t.closest ? t.closest("button, a, summary") : null;
    if (ev.key === "Enter" && control && control.name !== "label") return;
    const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
    const arrow = key === "ArrowLeft" || key === "ArrowRight";
    if (ev.repeat && !arrow) return; // a held key must not label a run of sentences
    if (asking === "confidence" && /^[1-9]$/.test(key) && Number(key) <= POINTS) { setConfidence(Number(key)); commit(); }
    else if (asking && key === "Escape") { stopAsking(); say(""); }
    else if (MULTI && key === "Enter") commit();
    else if (unsureBox && key === "u") toggleUnsure();
    else if (rationaleKey && key === rationaleKey) rationaleEl.focus();
    else if (byKey[key]) pick(byKey[key].value);
    else if (key === "s") skip();
    else if (key === "c") comment.focus();
    else if (key === "?") help.showModal();
    else if (views && viewKey && key === viewKey) views.toggle();
    else if (unlabelKey && key === unlabelKey) unlabel();
    else if (key === "Backspace") back("push");
    else if (key === "ArrowLeft" && !sel && !(ev.shiftKey && spansOn)) back("push");
    else if (key === "ArrowRight" && !sel && !ev.shiftKey && revisiting) forward("push");
    // Words are selected in reading order: the arrow that points the way the sentence reads
    // (→ in left-to-right text, ← in right-to-left) moves to the next word, logically.
    else if (spansOn && current && arrow) moveSel(key === (rtl() ? "ArrowLeft" : "ArrowRight") ? 1 : -1, ev.shiftKey);
    else if (spansOn && current && sel && (key === "Home" || key === "End")) {
      const i = key === "Home" ? 0 : words.length - 1;
      setSel(ev.shiftKey ? sel.a : i, i);
    } else if (spansOn && current && spanKeys[key]) mark(spanKeys[key]);
    else if (spansOn && current && key === voiceKey) toggleVoice(null);
    else if (spansOn && current && (key === removeKey || key === "Delete")) removeKeyed();
    else if (key === "Escape" && sel) clearSel();
    else return;
    ev.preventDefault();
  });
  $("help-button").addEventListener("click", () => help.showModal());
  // A confidence point clicked (the one already checked too, so a revisit can keep it): given,
  // and saved if the label waits for it or the sentence has its label already (single label); the focus leaves the radio button so that the page's
  // keys keep working. Moved to by the arrow keys it is only given: Enter or a digit saves.
  if (confBox) {
    confBox.addEventListener("pointerdown", () => { pointed = true; });
    confBox.addEventListener("click", (ev) => {
      if (ev.target.tagName !== "INPUT") return;
      confTouched = true;
      if (!pointed) return;
      pointed = false;
      ev.target.blur();
      if (asking === "confidence") commit();
      // a revisit of a single label: the new confidence, with the label it has
      else if (!MULTI && currentLabel && currentLabel.label) { chosen = [currentLabel.label]; commit(); }
      else say(MULTI && chosen.length ? tr("Confidence %(n)s. Press Enter to save.", { n: ev.target.value })
        : tr("Confidence %(n)s. Now choose the label.", { n: ev.target.value }), "ask");
    });
  }
  if (unsureBox) unsureBox.addEventListener("change", () => unsureBox.blur());
  window.addEventListener("online", () => { retryMs = 1000; flush(); });
  const wake = () => { if (authLost) renewSession(true); else if (retryTimer) flush(); };
  window.addEventListener("focus", wake);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) wake(); });
  window.addEventListener("beforeunload", (ev) => { if (pending.length && !storageOk) ev.preventDefault(); });

  // Start: draw the sentence the server rendered (leased to us, or revisited), then fetch the
  // next few. What the outbox still holds for a sentence beats what the server rendered.
  if (spansOn) spanTools.hidden = false;
  for (const p of pending) latest.set(p.id, outboxLabel(p.id));
  const startMine = JSON.parse(sentenceEl.dataset.mine || "null");
  const view = JSON.parse(sentenceEl.dataset.view);
  const startMeta = { revisit: cfg.revisit === "1", bk: serverBack, fwd: cfg.forward ? Number(cfg.forward) : null };
  const waits = latest.has(view.id) && pending.some((p) => p.id === view.id && p.type !== "unlabel");
  if (!startMeta.revisit && waits) {
    // Labelled (or skipped) in an earlier visit whose write is still in the outbox: go on.
    if (latest.get(view.id)) labelled.add(view.id);
    else skipFence.set(view.id, Infinity);
    flush();
    advance("replace");
  } else {
    draw(view, startMine, null, startMeta, "replace");
    flush();
    fetchMore();
  }
})();
