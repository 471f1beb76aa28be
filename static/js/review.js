// The disagreement queue with JavaScript: keys as on the annotate page.
// Without JavaScript the same page works as plain forms (POST, redirect).
// Label keys choose the gold label of the current sentence; N / P move between sentences
// (a label key wins if a project's scheme uses N or P); C writes a note; ? shows help.
(function () {
  "use strict";
  const root = document.getElementById("disagreements");
  if (!root) return;
  const items = Array.from(root.querySelectorAll(".dis-item"));
  const help = document.getElementById("help");
  const helpButton = document.getElementById("help-button");
  let current = null;

  function select(el, scroll) {
    if (!el) return;
    for (const it of items) it.classList.toggle("current", it === el);
    current = el;
    if (scroll) {
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: "start" });
      if (history.replaceState) history.replaceState(null, "", "#" + el.id);
    }
  }

  function move(step) {
    const i = items.indexOf(current);
    const target = items[i + step];
    if (target) { select(target, true); return; }
    // Past the end of the page: follow the pager.
    const link = document.querySelector(step > 0 ? ".pager a[rel=next]" : ".pager a[rel=prev]");
    if (link) window.location.href = link.href;
  }

  function choose(key) {
    if (!current) return false;
    const btn = Array.from(current.querySelectorAll(".label-button"))
      .find((b) => (b.dataset.key || "").toLowerCase() === key);
    if (!btn) return false;
    btn.click(); // submits the item's form with this label and the note typed so far
    return true;
  }

  root.addEventListener("focusin", (ev) => {
    const it = ev.target.closest(".dis-item");
    if (it && it !== current) select(it, false);
  });
  root.addEventListener("click", (ev) => {
    const it = ev.target.closest(".dis-item");
    if (it && it !== current) select(it, false);
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = ev.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      if (ev.key === "Escape") {
        ev.preventDefault();
        ev.target.blur();
        if (current) current.focus({ preventScroll: true });
      }
      return;
    }
    if (help && help.open && ev.key !== "?") return;
    const key = ev.key.toLowerCase();
    if (key.length === 1 && choose(key)) { ev.preventDefault(); return; }
    if (key === "n") { ev.preventDefault(); move(1); }
    else if (key === "p") { ev.preventDefault(); move(-1); }
    else if (key === "c" && current) {
      const note = current.querySelector("input.note");
      if (note) { ev.preventDefault(); note.focus(); }
    } else if (ev.key === "?" && help) {
      ev.preventDefault();
      if (help.open) help.close(); else help.showModal();
    }
  });
  if (helpButton && help) helpButton.addEventListener("click", () => help.showModal());

  // Start where the last form post left off (#s-ID), else at the first sentence.
  const fromHash = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  const start = fromHash && items.includes(fromHash) ? fromHash : items[0];
  if (start) select(start, !!fromHash);
})();
