// The disagreement queue with JavaScript: one sentence at a time, as on the annotate page.
// The next sentences are fetched ahead (GET /api/v1/projects/SLUG/disagreements?seen=...) and
// gold labels are written in the background (PUT /api/v1/sentences/ID/gold, in order, retried
// while the server cannot be reached), so a decision shows the next sentence at once.
// Without JavaScript the same page works as plain forms (POST, redirect).
// Text from the server goes into the page through textContent only.
(function () {
  "use strict";
  const root = document.getElementById("adjudicate");
  const dataEl = document.getElementById("queue-data");
  if (!root || !dataEl || !window.fetch) return;
  const cfg = root.dataset;
  const api = cfg.api.replace(/\/$/, "");
  const $ = (id) => document.getElementById(id);
  const initial = JSON.parse(dataEl.textContent);
  const list = $("disagreements"), pager = document.querySelector(".pager");
  const done = $("adj-done"), status = $("status"), note = $("adj-note"), help = $("help");
  const sentenceEl = $("sentence"), clearButton = $("adj-clear");
  const buttons = Array.from(root.querySelectorAll(".label-button"));
  const byKey = Object.fromEntries(buttons.map((b) => [b.dataset.key.toLowerCase(), b]));
  const names = Object.fromEntries(buttons.map((b) => [b.value, b.querySelector(".name").textContent]));
  const index = Object.fromEntries(buttons.map((b) => [b.value, b.dataset.colour]));  // labels.colours
  const free = (k) => (byKey[k] ? null : k); // a project's label key wins over ours
  const keys = { skip: [free("s"), free("n")], back: [free("p")], note: free("c"), clear: free("x") };
  const AHEAD = 5, BATCH = 10;
  // A multi-label project's gold is a set: a label's key turns it on or off, Enter (or
  // "Save gold") stores the set and goes on; a single-label project's key decides at once.
  const MULTI = cfg.task === "multi";
  const saveButton = $("adj-save");
  let picked = new Set();     // multi: the set being chosen for the sentence shown
  // The page's words in the interface's language (#ui-strings, web/i18n.script_strings), as on
  // the annotate page; English where one is missing. %(name)s takes vars.name.
  const UI = JSON.parse(($("ui-strings") || {}).textContent || "{}");
  const tr = (text, vars) => (UI[text] || text).replace(/%\((\w+)\)s/g, (m, k) => (vars && k in vars ? vars[k] : m));

  const items = initial.items.slice(); // fetched so far, in queue order
  const seen = new Set(items.map((it) => it.sentence_id));
  const decided = new Map();  // sentence id -> {label, labels, note} or null (cleared) in this tab
  let pos = 0, exhausted = items.length >= initial.total, fetching = null;
  let waiting = false;        // the sentence to show has not arrived yet
  const outbox = [];          // writes not stored yet, sent in order
  let flushing = false, retryMs = 1000;

  list.hidden = true;
  if (pager) pager.hidden = true;

  function say(text, kind) {
    status.textContent = text || "";
    status.className = "status" + (kind ? " " + kind : "");
  }

  // --- writes, in the background ---
  function enqueue(w) {
    outbox.push(w);
    cfg.unsaved = String(outbox.length);
    flush();
  }
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      while (outbox.length) {
        const w = outbox[0];
        let res;
        try {
          res = await fetch(api + "/sentences/" + w.id + "/gold", {
            method: w.label ? "PUT" : "DELETE", credentials: "same-origin",
            headers: Object.assign({ "Accept": "application/json", "X-CSRFToken": cfg.csrf },
              w.label ? { "Content-Type": "application/json" } : {}),
            body: w.label ? JSON.stringify(MULTI ? { labels: w.labels, note: w.note }
              : { label: w.label, note: w.note }) : undefined,
          });
        } catch (e) { res = null; }
        if (!res || res.status >= 500 || res.status === 429) {
          say(tr("Not saved yet: %(n)s decision(s) kept in this tab; retrying.", { n: outbox.length }), "offline");
          setTimeout(flush, retryMs);
          retryMs = Math.min(retryMs * 2, 15000);
          return;
        }
        retryMs = 1000;
        let answer = null;
        try { answer = await res.json(); } catch (e) { /* not JSON */ }
        outbox.shift();
        cfg.unsaved = String(outbox.length);
        if (!res.ok) {
          const msg = answer && answer.error ? answer.error.message : "HTTP " + res.status;
          say(tr("Sentence %(id)s not saved: %(error)s", { id: w.id, error: msg }), "error");
        } else if (!outbox.length && status.classList.contains("offline")) say(tr("Saved."));
      }
    } finally { flushing = false; }
  }

  // --- reads, ahead of need ---
  function fetchMore() {
    if (fetching || exhausted) return fetching;
    const url = api + "/projects/" + encodeURIComponent(cfg.slug) + "/disagreements?" +
      (cfg.query ? cfg.query + "&" : "") + "per_page=" + BATCH + "&seen=" + Array.from(seen).join(",");
    fetching = fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
      .then((data) => {
        for (const it of data.items) {
          if (!seen.has(it.sentence_id)) { seen.add(it.sentence_id); items.push(it); }
        }
        if (data.items.length < BATCH) exhausted = true;
      })
      .then(() => { fetching = null; if (waiting) show(pos); })
      .catch(() => {
        fetching = null;
        say(tr("Could not load more sentences; retrying."), "offline");
        setTimeout(() => (waiting ? show(pos) : fetchMore()), 3000);
      });
    return fetching;
  }

  // --- drawing one sentence ---
  // Sentence text carries its direction (dir) and language (lang); sentences.reading says which.
  function paragraphs(el, texts, dirs, lang) {
    el.replaceChildren(...texts.map((t, i) => {
      const p = document.createElement("p");
      p.textContent = t;
      p.dir = (dirs && dirs[i]) || "auto";
      if (lang) p.lang = lang;
      return p;
    }));
  }
  // A span's text: its offsets count code points (as Python's do), JavaScript strings UTF-16
  // units; so an emoji before the span does not shift it.
  function cpSlice(text, start, end) { return Array.from(text).slice(start, end).join(""); }
  function cell(tag, text, cls) {
    const c = document.createElement(tag);
    if (cls) c.className = cls;
    c.textContent = text;
    return c;
  }
  function goldOf(it) {
    return decided.has(it.sentence_id) ? decided.get(it.sentence_id) : it.gold;
  }

  function show(i) {
    pos = Math.max(0, i);
    const it = items[pos];
    waiting = !it && !exhausted;
    if (!it) {
      root.hidden = true;
      done.hidden = !exhausted;
      if (!exhausted) fetchMore();
      sentenceEl.dataset.id = "";
      return;
    }
    root.hidden = false;
    done.hidden = true;
    $("adj-article").textContent = it.article_title;
    $("adj-article").dir = it.title_dir || "auto";
    $("adj-where").textContent = "· " + tr("sentence %(n)s", { n: it.position + 1 }) + " · #" + it.sentence_id +
      " · " + tr("%(n)s of %(total)s", { n: pos + 1, total: Math.max(initial.total, items.length) });
    const majority = MULTI
      ? (it.majority_labels.length ? tr("majority: %(label)s", { label: nameList(it.majority_labels) })
        : tr("no label chosen by a majority"))
      : (it.majority ? tr("majority: %(label)s", { label: names[it.majority] || it.majority }) : tr("tie"));
    $("adj-meta").textContent = tr("%(n)s annotators", { n: it.annotators }) + " · " +
      tr("agreement %(share)s%%", { share: Math.round(it.agreement * 100) }).replace("%%", "%") + " · " + majority;
    // A label the model flags (reason "suspected error"): how likely it is wrong, what the
    // label more likely is, and the model's probabilities.
    const sus = it.suspect, susEl = $("adj-suspect");
    susEl.hidden = !sus;
    const named = sus ? { version: sus.model_version, chance: Math.round(sus.score * 100),
      predicted: names[sus.predicted] || sus.predicted, given: names[sus.label] || sus.label } : null;
    susEl.textContent = sus ? (sus.score_kind === "margin" // a model trained before 2026-12-05
      ? tr("Suspected error: the model (version %(version)s, out of fold) finds “%(predicted)s” more plausible than “%(given)s”", named)
      : tr("Suspected error: the model (version %(version)s, out of fold) puts the chance that “%(given)s” is wrong at %(chance)s%%; most likely instead: “%(predicted)s”", named).replace("%%", "%")) +
      " · " + Object.entries(sus.probabilities)
        .map(([l, p]) => (names[l] || l) + " " + p.toFixed(2)).join(" · ") : "";
    const dirs = it.context.dirs || {};
    paragraphs($("adj-before"), it.context.before, dirs.before, it.lang);
    paragraphs($("adj-after"), it.context.after, dirs.after, it.lang);
    sentenceEl.textContent = it.text;
    sentenceEl.dir = it.dir || "auto";
    if (it.lang) sentenceEl.lang = it.lang; else sentenceEl.removeAttribute("lang");
    sentenceEl.dataset.id = String(it.sentence_id);
    const gold = goldOf(it);
    picked = new Set(gold ? gold.labels || [gold.label] : []);
    for (const b of buttons) {
      const votes = (it.votes || {})[b.value] || 0;
      b.querySelector(".desc").textContent = tr("%(n)s of %(total)s annotators", { n: votes, total: it.annotators });
    }
    drawPicked();
    note.value = (gold && gold.note) || "";
    clearButton.hidden = !gold;
    const goldNote = $("adj-gold");
    goldNote.hidden = !gold;
    const goldNames = gold ? nameList(gold.labels || [gold.label]) : "";
    goldNote.textContent = !gold ? "" : gold.reviewer
      ? tr("Gold: %(label)s (set by %(reviewer)s)", { label: goldNames, reviewer: gold.reviewer })
      : tr("Gold: %(label)s (set in this tab)", { label: goldNames });
    $("adj-given").replaceChildren(...it.annotations.map((a) => {
      const tr = document.createElement("tr");
      const label = document.createElement("td");  // every label of a multi-label answer
      for (const l of a.labels || [a.label]) {
        label.append(cell("span", names[l] || l, "chip chip-" + (index[l] || 0)), " ");
      }
      const ev = document.createElement("td");
      if (a.spans.length) {
        for (const sp of a.spans) {
          const chip = cell("span", sp.label.replace(/_/g, " ") + ": “", "span-chip");
          chip.append(cell("bdi", cpSlice(it.text, sp.start, sp.end)), "”");
          ev.append(chip, " ");
        }
      } else ev.append(cell("span", "—", "muted"));
      tr.append(cell("th", a.annotator), label, ev, cell("td", a.comment || ""));
      tr.firstChild.scope = "row";
      return tr;
    }));
    $("adj-back").disabled = pos === 0;
    if (items.length - pos <= AHEAD) fetchMore();
  }

  function nameList(ids) { return ids.map((l) => names[l] || l).join(", "); }
  function drawPicked() {
    for (const b of buttons) b.setAttribute("aria-pressed", picked.has(b.value) ? "true" : "false");
    if (saveButton) saveButton.disabled = !picked.size;
  }

  // --- decisions ---
  function decide(labels) {
    const it = items[pos];
    if (!it || !labels.length) return;
    const ordered = buttons.map((b) => b.value).filter((l) => labels.includes(l)); // scheme order
    const w = { id: it.sentence_id, label: ordered[0], labels: ordered, note: note.value.trim() || null };
    decided.set(it.sentence_id, { label: w.label, labels: ordered, note: w.note });
    enqueue(w);
    show(pos + 1);
  }
  function press(label) {
    if (!MULTI) { decide([label]); return; }
    if (!items[pos]) return;
    if (picked.has(label)) picked.delete(label); else picked.add(label);
    drawPicked();
  }
  const save = () => decide(Array.from(picked));
  function clearGold() {
    const it = items[pos];
    if (!it || !goldOf(it)) return;
    decided.set(it.sentence_id, null);
    enqueue({ id: it.sentence_id, label: null });
    show(pos);
  }
  const skip = () => { if (items[pos]) show(pos + 1); };
  const back = () => { if (pos > 0) show(pos - 1); };

  for (const b of buttons) b.addEventListener("click", () => press(b.value));
  if (saveButton) saveButton.addEventListener("click", save);
  $("adj-skip").addEventListener("click", skip);
  $("adj-back").addEventListener("click", back);
  clearButton.addEventListener("click", clearGold);
  $("help-button").addEventListener("click", () => help.showModal());

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = ev.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      if (ev.key === "Escape") { ev.preventDefault(); ev.target.blur(); }
      if (ev.target === note && ev.key === "Enter") ev.preventDefault();
      return;
    }
    if (help.open && ev.key !== "?") return;
    const key = ev.key.toLowerCase();
    let act = null;
    if (key.length === 1 && byKey[key]) act = () => press(byKey[key].value);
    else if (MULTI && ev.key === "Enter") act = save;
    else if (keys.skip.includes(key) || ev.key === "ArrowRight") act = skip;
    else if (keys.back.includes(key) || ev.key === "Backspace" || ev.key === "ArrowLeft") act = back;
    else if (key === keys.note) act = () => note.focus();
    else if (key === keys.clear) act = clearGold;
    else if (ev.key === "?") act = () => (help.open ? help.close() : help.showModal());
    if (act) { ev.preventDefault(); act(); }
  });
  window.addEventListener("beforeunload", (ev) => {
    if (outbox.length) { ev.preventDefault(); ev.returnValue = ""; }
  });

  show(0);
})();
