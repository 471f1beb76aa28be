// Project setup (admin): add, remove and reorder rows of the label scheme and the lexicon, and
// draw the preview of the annotate page's label buttons as the scheme is typed. Without this
// file the forms still work: blank rows add, "Remove" removes, positions reorder.
(function () {
  "use strict";
  // The page's words in the interface's language (#ui-strings, web/i18n.script_strings).
  const UI = JSON.parse((document.getElementById("ui-strings") || {}).textContent || "{}");
  const tr = (text) => UI[text] || text;

  // A new row: a copy of the last one, its fields renumbered (labels-3-name -> labels-4-name).
  function addRow(tbody, rowClass, prefix, fill) {
    const rows = tbody.querySelectorAll("tr." + rowClass);
    const last = rows[rows.length - 1];
    const n = rows.length;
    const copy = last.cloneNode(true);
    const re = new RegExp("^" + prefix + "-\\d+-");
    copy.classList.remove("removed");
    copy.querySelectorAll("input, select").forEach((el) => {
      ["name", "id"].forEach((attr) => {
        const v = el.getAttribute(attr);
        if (v) el.setAttribute(attr, v.replace(re, prefix + "-" + n + "-"));
      });
      const label = el.getAttribute("aria-label");
      if (label) el.setAttribute("aria-label", label.replace(/\d+/, String(n + 1)));
      if (el.type === "checkbox") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else if (el.type !== "hidden" || /-original$/.test(el.name)) el.value = "";
      el.removeAttribute("readonly");
    });
    copy.querySelectorAll("small, .num").forEach((el) => {
      if (el.classList.contains("num")) el.textContent = String(n + 1);
      else el.remove();
    });
    tbody.appendChild(copy);
    if (fill) fill(copy, n);
    const first = copy.querySelector("input:not([type=hidden]):not([readonly]), select");
    return first;
  }

  function button(text, label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (label) b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  // The label scheme -------------------------------------------------------------------------
  const scheme = document.getElementById("label-rows");
  if (scheme) {
    const preview = document.getElementById("scheme-preview");
    const rows = () => Array.from(scheme.querySelectorAll("tr.label-row"));
    const val = (row, cls) => (row.querySelector("." + cls) || {}).value || "";
    const blank = (row) => !["id", "key", "name", "description"].some((c) => val(row, c).trim());

    function renumber() {
      rows().forEach((row, i) => { row.querySelector(".position").value = String(i + 1); });
    }

    function draw() {
      const kept = rows().map((row, i) => ({ row, i }))
        .filter(({ row }) => !row.querySelector(".remove").checked && !blank(row));
      kept.sort((a, b) => (parseInt(val(a.row, "position"), 10) || 1e9) - (parseInt(val(b.row, "position"), 10) || 1e9) || a.i - b.i);
      preview.replaceChildren(...kept.map(({ row }) => {
        const b = document.createElement("span");
        b.className = "button label-button label-" + val(row, "colour");
        const kbd = document.createElement("kbd");
        kbd.textContent = val(row, "key");
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = val(row, "name") || val(row, "id");
        const desc = document.createElement("span");
        desc.className = "desc";
        desc.textContent = val(row, "description");
        b.append(kbd, " ", name, desc);
        return b;
      }));
      rows().forEach((row) => row.classList.toggle("removed", row.querySelector(".remove").checked));
      drawShape(kept.map(({ row }) => row));
    }

    // Under the buttons, the task shape the settings ask for (templates/annotate.html's #shape):
    // Save for several labels, the confidence scale, the unsure box, the rationale field.
    const shapeBox = document.getElementById("shape-preview");
    const setting = (name) => document.querySelector("[name='settings-" + name + "']");
    function piece(tag, cls, ...children) {
      const el = document.createElement(tag);
      if (cls) el.className = cls;
      el.append(...children);
      return el;
    }
    function kbd(text) { return piece("kbd", null, text); }
    function drawShape(labelRows) {
      if (!shapeBox) return;
      const parts = [];
      const task = setting("task"), conf = setting("confidence"), unsure = setting("unsure");
      if (task && task.value === "multi") parts.push(piece("span", "button primary", kbd("Enter"), " ", tr("Save the labels chosen")));
      const points = conf ? parseInt(conf.value, 10) || 0 : 0;
      if (points >= 3 && points <= 7) {
        const scale = piece("span", "confidence", tr("Confidence"), " ");
        for (let i = 1; i <= points; i++) scale.append(kbd(String(i)), " ");
        parts.push(scale);
      }
      if (unsure && unsure.checked) parts.push(piece("span", "unsure-flag", "☐ ", kbd("U"), " ", tr("Unsure")));
      const modes = labelRows.map((row) => [val(row, "name") || val(row, "id"), (row.querySelector(".rationale") || {}).value || "off"]);
      if (modes.some(([, m]) => m !== "off")) {
        const needs = modes.filter(([, m]) => m === "required").map(([n]) => n);
        parts.push(piece("span", "rationale-field", kbd("R"), " ", tr("Rationale"), " ",
          piece("span", "muted", needs.length ? tr("(required with %(labels)s)").replace("%(labels)s", needs.map((n) => "\u2068" + n + "\u2069").join(", ")) : tr("(optional)"))));
      }
      shapeBox.replaceChildren(...parts);
      shapeBox.hidden = !parts.length;
    }
    for (const name of ["task", "confidence", "unsure"]) {
      const el = setting(name);
      if (el) { el.addEventListener("change", draw); el.addEventListener("input", draw); }
    }

    function move(row, step) {
      const all = rows();
      const to = all[all.indexOf(row) + step];
      if (!to) return;
      // Errors shown under a row stay with it: they are the next siblings of class row-error.
      if (step < 0) scheme.insertBefore(row, to);
      else scheme.insertBefore(row, to.nextSibling);
      scheme.querySelectorAll("tr.row-error").forEach((e) => e.remove());
      renumber();
      draw();
    }

    function controls(row) {
      const cell = row.querySelector(".position").parentElement;
      cell.append(button("↑", tr("Move up"), () => move(row, -1)), button("↓", tr("Move down"), () => move(row, 1)));
      cell.querySelectorAll("button").forEach((b) => b.classList.add("move"));
    }

    rows().forEach(controls);
    const colours = scheme.querySelector("select.colour").options.length;
    const add = button(tr("Add label"), null, () => {
      const focus = addRow(scheme, "label-row", "labels", (row, n) => {
        row.querySelectorAll("button.move").forEach((b) => b.remove());
        controls(row);
        // The first colour no label uses yet, else the palette again from the start.
        const used = new Set(rows().filter((r) => r !== row && !blank(r)).map((r) => val(r, "colour")));
        const free = Array.from({ length: colours }, (_, i) => String(i + 1)).find((c) => !used.has(c));
        row.querySelector("select.colour").value = free || String((n % colours) + 1);
        row.querySelector("select.spans").value = "optional";
      });
      renumber();
      draw();
      if (focus) focus.focus();
    });
    add.id = "add-label";
    scheme.closest(".table-scroll").after(add);
    scheme.addEventListener("input", draw);
    scheme.addEventListener("change", draw);
    draw();
  }

  // The lexicon ------------------------------------------------------------------------------
  const lexicon = document.getElementById("lexicon-rows");
  if (lexicon) {
    const add = button(tr("Add entry"), null, () => {
      const focus = addRow(lexicon, "lexicon-row", "entries");
      if (focus) focus.focus();
    });
    add.id = "add-entry";
    lexicon.closest(".table-scroll").after(add);
    lexicon.addEventListener("change", (ev) => {
      if (ev.target.type === "checkbox") ev.target.closest("tr").classList.toggle("removed", ev.target.checked);
    });
  }
})();
