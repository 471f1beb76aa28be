// The annotate page's two views of the text: the focused view (the sentence with the context
// window the project sets, drawn as paragraphs and headings) and the article view (the whole
// article, the sentence highlighted in place and scrolled into view, boilerplate dimmed, the
// sentences you labelled marked with your label's colour). annotate.js owns the sentence element
// (#sentence: words, hints, evidence spans); this module only moves it into the article and back.
//
// The article is fetched once per article (GET /api/v1/projects/SLUG/articles/ID) and kept
// here; a new sentence of the same article only moves the highlight, with no request.
(function () {
  "use strict";

  // opts: {root, sentenceEl, beforeEl, afterEl, articleEl, toggleEl, getJson(path), labelOf(id,
  // stored): the label ids to mark a unit with (stored: the server's), colours {label id: palette number}, names {label id: name}, tr(text): text in the
  // page's language, storageKey}
  const KEEP = 12; // articles kept in memory

  window.annotatorViews = function (opts) {
    const { sentenceEl, beforeEl, afterEl, articleEl, toggleEl } = opts;
    const tr = opts.tr || ((text) => text); // the page's words in its language (annotate.js)
    const cache = new Map();    // article id -> the API's article, or a promise of it
    let mode = "focused";
    let shown = null;           // the sentence drawn (the API's sentence object)
    let drawnArticle = null;    // the id of the article in articleEl
    const unitEls = new Map();  // sentence id -> its element in articleEl
    let parked = null;          // the unit element the sentence element stands in for

    try { if (localStorage.getItem(opts.storageKey) === "article") mode = "article"; } catch (e) { /* no storage */ }

    // --- the focused view: the context as paragraphs and headings ---
    // Groups each side's texts (sentences.context_groups does the same for the page's HTML),
    // each group with its direction: its sentences' if they agree, else the article's.
    function groups(ctx, side, articleDir) {
      const texts = ctx[side] || [];
      const starts = (ctx.breaks && ctx.breaks[side]) || texts.map(() => true);
      const kinds = (ctx.kinds && ctx.kinds[side]) || texts.map(() => "body");
      const dirs = (ctx.dirs && ctx.dirs[side]) || texts.map(() => "auto");
      const out = [];
      texts.forEach((t, i) => {
        const last = out[out.length - 1];
        if (starts[i] || !last || kinds[i] === "heading" || last.heading) out.push({ heading: kinds[i] === "heading", texts: [], joins: false, dirs: [] });
        out[out.length - 1].texts.push(t);
        out[out.length - 1].dirs.push(dirs[i]);
      });
      for (const g of out) g.dir = g.dirs.every((d) => d === g.dirs[0]) ? g.dirs[0] : articleDir || "auto";
      // The paragraph the sentence belongs to: the last one before it, the first one after it.
      const sentenceBegins = !ctx.breaks || ctx.breaks.sentence !== false;
      if (side === "before" && out.length && !sentenceBegins && !out[out.length - 1].heading) out[out.length - 1].joins = true;
      if (side === "after" && out.length && starts.length && !starts[0] && !out[0].heading) out[0].joins = true;
      return out;
    }

    function drawContext(el, s, side) {
      el.replaceChildren(...(s ? groups(s.context, side, s.article_dir) : []).map((g) => {
        const p = document.createElement(g.heading ? "h2" : "p");
        p.className = g.heading ? "ctx-heading" : g.joins ? "joins" : "";
        p.dir = g.dir;
        p.textContent = g.texts.join(" ");
        return p;
      }));
    }

    // --- the article view ---
    function fetchArticle(id) {
      if (cache.has(id)) return Promise.resolve(cache.get(id));
      // Keep the newest few: the queue's look-ahead reaches two or three articles at most.
      for (const old of cache.keys()) {
        if (cache.size < KEEP) break;
        if (old !== drawnArticle && !(shown && shown.article_id === old)) cache.delete(old);
      }
      const p = opts.getJson("/articles/" + id).then((data) => {
        if (data && data.blocks) cache.set(id, data); else cache.delete(id);
        return cache.get(id) || null;
      }, () => { cache.delete(id); return null; });
      cache.set(id, p);
      return p;
    }

    // The article of a sentence about to be shown: fetched in the background (article view only).
    function prefetch(articleId) {
      if (mode === "article" && !cache.has(articleId)) fetchArticle(articleId);
    }

    // The labels the server sent for a unit of `data`: several in a multi-label project.
    function storedOf(data, id) {
      if (!data) return null;
      if (data.mine_labels && data.mine_labels[id]) return data.mine_labels[id];
      return data.mine[id] ? [data.mine[id]] : null;
    }

    function mark(el, id, stored) {
      const labels = opts.labelOf(id, stored) || [];
      for (const old of el.querySelectorAll(".own-chip")) old.remove();
      el.classList.toggle("own", labels.length > 0);
      for (const label of labels) { // one chip per label, each in its colour
        const chip = document.createElement("span");
        chip.className = "own-chip chip-" + (opts.colours[label] || 1);
        chip.dir = "auto"; // the page's words, isolated from the sentence's direction
        chip.textContent = opts.names[label] || label;
        chip.title = tr("Your label");
        el.append(chip);
      }
    }

    function buildArticle(data) {
      unitEls.clear();
      parked = null;
      const frag = document.createDocumentFragment();
      // lang and dir: the article's on the whole, each paragraph's and each sentence's own (a
      // sentence is an isolate, as the sentence element that stands in for it is).
      if (data.lang) articleEl.lang = data.lang; else articleEl.removeAttribute("lang");
      articleEl.dir = data.dir || "auto";
      for (const block of data.blocks) {
        const el = document.createElement(block.kind === "heading" ? "h2" : "div");
        el.className = "art-block art-" + block.kind;
        el.dir = block.dir || "auto";
        block.units.forEach((u, i) => {
          if (i) el.append(" ");
          const span = document.createElement("span");
          span.className = "unit k-" + u.kind;
          span.dataset.id = u.id;
          span.dir = u.dir || "auto";
          span.append(u.text);
          mark(span, u.id, storedOf(data, u.id));
          unitEls.set(u.id, span);
          el.append(span);
        });
        frag.append(el);
      }
      articleEl.replaceChildren(frag);
      drawnArticle = data.article_id;
    }

    // Put the sentence element back where it belongs in the focused view.
    function unpark() {
      if (parked && articleEl.contains(sentenceEl)) {
        sentenceEl.replaceWith(parked);
        const id = Number(parked.dataset.id);
        mark(parked, id, storedOf(cache.get(drawnArticle), id));
      }
      parked = null;
      if (sentenceEl.parentNode !== beforeEl.parentNode || sentenceEl.nextElementSibling !== afterEl) {
        afterEl.before(sentenceEl);
      }
    }

    function placeInArticle(s, data) {
      if (drawnArticle !== data.article_id || !articleEl.isConnected) buildArticle(data);
      else unpark();
      const unit = unitEls.get(s.id);
      if (!unit) { unpark(); return false; }
      unit.replaceWith(sentenceEl);
      parked = unit;
      return true;
    }

    function scrollToSentence() {
      const box = articleEl.getBoundingClientRect(), r = sentenceEl.getBoundingClientRect();
      articleEl.scrollTop += r.top - box.top - Math.max(0, (articleEl.clientHeight - r.height) / 3);
    }

    function apply() {
      const article = mode === "article" && shown && cache.get(shown.article_id);
      const ready = article && !(article instanceof Promise) && placeInArticle(shown, article);
      if (!ready) unpark();
      opts.root.classList.toggle("article-view", !!ready);
      articleEl.hidden = !ready;
      beforeEl.hidden = afterEl.hidden = !!ready;
      if (ready) scrollToSentence();
      if (toggleEl) {
        toggleEl.setAttribute("aria-pressed", String(mode === "article"));
        toggleEl.querySelector(".view-name").textContent = mode === "article" ? tr("Sentence and context") : tr("Whole article");
      }
    }

    // Draw sentence s (null: none, the page waits) in the view chosen.
    function draw(s) {
      shown = s;
      drawContext(beforeEl, s, "before");
      drawContext(afterEl, s, "after");
      if (s && mode === "article" && !(cache.get(s.article_id) && !(cache.get(s.article_id) instanceof Promise))) {
        // Not here yet: the focused view until it is (then only if this sentence is still shown).
        fetchArticle(s.article_id).then(() => { if (shown === s) apply(); });
      }
      apply();
    }

    function toggle() {
      mode = mode === "article" ? "focused" : "article";
      try { localStorage.setItem(opts.storageKey, mode); } catch (e) { /* kept for this page only */ }
      draw(shown);
    }

    if (toggleEl) {
      toggleEl.hidden = false;
      toggleEl.addEventListener("click", toggle);
    }
    return { draw, toggle, prefetch, get mode() { return mode; } };
  };
})();
