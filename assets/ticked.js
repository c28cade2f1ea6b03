// Enter sends, Shift+Enter makes a new line, in any textarea marked data-enter-submits.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  if (!target || !target.dataset || target.dataset.enterSubmits !== "true") return;
  event.preventDefault();
  if (target.form) target.form.requestSubmit();
});

// Keyboard shortcuts (README, "Keyboard"). They act only through the page's own controls (a click
// on a link, checkbox or button), so every change goes through the app's handlers. Never while
// typing in a field, never with Ctrl/Meta/Alt, never while a dialog is open.
(() => {
  const TASKS = "/tasks";
  const CHAT = "/";
  const SEQUENCE_MS = 1500;
  const WAIT_MS = 8000;
  // How long a page that has just opened may take to settle its fields: a busy server answers the
  // page's load late. The hold ends anyway as soon as the person acts or focuses something else.
  const HOLD_MS = 15000;

  const SHORTCUTS = [
    [
      "Anywhere",
      [
        [["q"], "Add a task (on the task page)"],
        [["/"], "Search tasks, or conversations in the chat"],
        [["g", "t"], "Go to tasks"],
        [["g", "c"], "Go to chat"],
        [["?"], "Show these shortcuts"],
      ],
    ],
    [
      "Task list",
      [
        [["j"], "Focus the next task"],
        [["k"], "Focus the previous task"],
        [["x"], "Complete or reopen the focused task"],
        [["e"], "Open the focused task's details"],
      ],
    ],
  ];

  let pendingG = 0; // the time "g" was pressed, waiting for its second key

  // ----- what is on the page ---------------------------------------------------------------

  const visible = (el) => !!el && el.getClientRects().length > 0;

  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    const tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      const type = (el.type || "text").toLowerCase();
      return !["checkbox", "radio", "button", "submit", "reset", "image", "range", "color", "file"].includes(type);
    }
    // Widgets that take letters themselves (menus type-ahead, listboxes, comboboxes).
    return !!el.closest('[role="menu"], [role="menubar"], [role="listbox"], [role="combobox"], [role="textbox"]');
  }

  function dialogOpen() {
    return [...document.querySelectorAll('[role="dialog"], [role="alertdialog"]')].some(visible);
  }

  const onTasksPage = () => window.location.pathname.replace(/\/+$/, "") === TASKS;
  const onChatPage = () => ["", "/index"].includes(window.location.pathname.replace(/\/+$/, ""));

  function navLink(path) {
    return document.querySelector(`header nav a[href="${path}"]`);
  }

  function taskRows() {
    // Each task row is the list item holding the task's Open button (id "task-open-<id>").
    return [...document.querySelectorAll('[role="listitem"]')].filter(
      (row) => visible(row) && row.querySelector(':scope [id^="task-open-"]'),
    );
  }

  const openButton = (row) => row.querySelector('[id^="task-open-"]');

  function currentRow() {
    const active = document.activeElement;
    if (!active || active === document.body) return null;
    const row = active.closest('[role="listitem"]');
    return row && openButton(row) ? row : null;
  }

  function focusRow(row) {
    const button = openButton(row);
    if (!button) return;
    button.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  // Runs `found` with the first element `find` returns, looking again as the page changes.
  function whenThere(find, found) {
    const now = find();
    if (now) {
      found(now);
      return;
    }
    const observer = new MutationObserver(() => {
      const el = find();
      if (!el) return;
      stop();
      found(el);
    });
    const timer = window.setTimeout(() => stop(), WAIT_MS);
    function stop() {
      observer.disconnect();
      window.clearTimeout(timer);
    }
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  }

  // ----- actions ----------------------------------------------------------------------------

  function quickAddField() {
    const field = document.getElementById("new-task-title");
    return visible(field) ? field : null;
  }

  function focusField(field) {
    field.focus();
    if (typeof field.select === "function") field.select();
  }

  // Focus the field `find` returns once it is there, and keep it focused while the page settles:
  // a page that has just opened may draw the field again (a new element) or finish loading in a
  // way that drops the focus to <body>. Until the person does something (a key, a click or a tap)
  // or focuses something else, at most HOLD_MS, focus that falls to <body> goes back to the field.
  function holdFocus(find, onFocus) {
    whenThere(find, (field) => {
      focusField(field);
      if (onFocus) onFocus(field);
      const check = () => {
        const active = document.activeElement;
        if (active && active !== document.body) {
          if (active !== find()) stop(); // the person moved on
          return;
        }
        const again = find();
        if (again) again.focus(); // back to the field: the same place, nothing selected
      };
      const observer = new MutationObserver(check);
      const timer = window.setTimeout(() => stop(), HOLD_MS);
      const acted = ["keydown", "pointerdown"];
      function stop() {
        observer.disconnect();
        window.clearTimeout(timer);
        for (const type of acted) document.removeEventListener(type, stop, true);
        document.removeEventListener("focusout", later, true);
      }
      // A focus drop with no page change after it is caught on the next turn of the event loop.
      function later() {
        window.setTimeout(check, 0);
      }
      for (const type of acted) document.addEventListener(type, stop, true);
      document.addEventListener("focusout", later, true);
      observer.observe(document.body, { childList: true, subtree: true, attributes: true });
    });
  }

  function quickAdd() {
    if (onTasksPage()) {
      const field = quickAddField();
      if (field) focusField(field);
      return;
    }
    const link = navLink(TASKS);
    if (!link) return;
    link.click();
    holdFocus(() => (onTasksPage() ? quickAddField() : null));
  }

  function search() {
    if (onTasksPage()) {
      const find = () => {
        const field = document.querySelector('#task-filters input[type="search"]');
        return visible(field) ? field : null;
      };
      if (!find()) {
        // On a phone the filters fold behind one "Filters" button.
        const toggle = document.querySelector('button[aria-controls="task-filters"]');
        if (toggle && toggle.getAttribute("aria-expanded") !== "true") toggle.click();
      }
      holdFocus(find);
    } else if (onChatPage()) {
      const find = () =>
        [...document.querySelectorAll('input[aria-label="Search conversations"]')].find(visible) || null;
      if (!find()) {
        // On a phone the conversations are folded away behind "Show conversations".
        const toggle = document.querySelector('button[aria-label="Show conversations"]');
        if (visible(toggle)) toggle.click();
      }
      holdFocus(find);
    }
  }

  function go(path) {
    const link = navLink(path);
    if (link) link.click();
  }

  function move(step) {
    const rows = taskRows();
    if (!rows.length) return;
    const index = rows.indexOf(currentRow());
    const next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), rows.length - 1);
    focusRow(rows[next]);
  }

  function toggleDone() {
    const row = currentRow();
    if (!row) return;
    const box = row.querySelector('button[role="checkbox"]');
    if (!box || box.disabled || box.getAttribute("aria-disabled") === "true") return;
    const index = taskRows().indexOf(row);
    box.click();
    // A task completed in the Open list leaves it: keep the focus in the list, on the next task.
    const stop = Date.now() + WAIT_MS;
    const keep = () => {
      if (Date.now() > stop) return;
      if (document.activeElement && document.activeElement !== document.body) {
        if (row.isConnected) window.setTimeout(keep, 100);
        return;
      }
      const rows = taskRows();
      if (rows.length && !dialogOpen()) focusRow(rows[Math.min(index, rows.length - 1)]);
    };
    window.setTimeout(keep, 100);
  }

  function openDetails() {
    const row = currentRow();
    if (row) openButton(row).click();
  }

  // ----- the shortcuts sheet ------------------------------------------------------------------

  let sheet = null;
  let returnTo = null;

  function buildSheet() {
    const backdrop = document.createElement("div");
    backdrop.className = "ticked-kb-backdrop";
    backdrop.hidden = true;
    const dialog = document.createElement("div");
    dialog.className = "ticked-kb-sheet";
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "ticked-kb-title");
    dialog.setAttribute("aria-describedby", "ticked-kb-note");
    dialog.tabIndex = -1;

    const head = document.createElement("div");
    head.className = "ticked-kb-head";
    const title = document.createElement("h2");
    title.id = "ticked-kb-title";
    title.textContent = "Keyboard shortcuts";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "ticked-kb-close";
    close.textContent = "Close";
    close.addEventListener("click", closeSheet);
    head.append(title, close);

    const note = document.createElement("p");
    note.id = "ticked-kb-note";
    note.className = "ticked-kb-note";
    note.textContent = "Shortcuts are off while you type in a field. Escape closes this list.";

    dialog.append(head, note);
    for (const [group, items] of SHORTCUTS) {
      const section = document.createElement("section");
      section.className = "ticked-kb-group";
      const heading = document.createElement("h3");
      heading.textContent = group;
      const list = document.createElement("dl");
      for (const [keys, what] of items) {
        const item = document.createElement("div");
        item.className = "ticked-kb-item";
        const dt = document.createElement("dt");
        keys.forEach((key, i) => {
          if (i) {
            const then = document.createElement("span");
            then.className = "ticked-kb-then";
            then.textContent = "then";
            dt.append(" ", then, " ");
          }
          const kbd = document.createElement("kbd");
          kbd.textContent = key;
          dt.append(kbd);
        });
        const dd = document.createElement("dd");
        dd.textContent = what;
        item.append(dt, dd);
        list.append(item);
      }
      section.append(heading, list);
      dialog.append(section);
    }

    backdrop.append(dialog);
    backdrop.addEventListener("mousedown", (event) => {
      if (event.target === backdrop) closeSheet();
    });
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        closeSheet();
      } else if (event.key === "Tab") {
        // The Close button is the one control: Tab stays on it.
        event.preventDefault();
        close.focus();
      }
    });
    return { backdrop, close };
  }

  function sheetOpen() {
    return !!sheet && !sheet.backdrop.hidden;
  }

  function openSheet() {
    if (!sheet) sheet = buildSheet();
    // Inside the Radix theme root, so the theme's variables (light or dark) apply.
    const root = document.querySelector(".radix-themes") || document.body;
    if (sheet.backdrop.parentNode !== root) root.append(sheet.backdrop);
    returnTo = document.activeElement;
    for (const el of root.children) if (el !== sheet.backdrop) el.setAttribute("inert", "");
    document.documentElement.classList.add("ticked-kb-lock");
    sheet.backdrop.hidden = false;
    sheet.close.focus();
  }

  function closeSheet() {
    if (!sheetOpen()) return;
    sheet.backdrop.hidden = true;
    const root = sheet.backdrop.parentNode;
    if (root) for (const el of root.children) if (el !== sheet.backdrop) el.removeAttribute("inert");
    document.documentElement.classList.remove("ticked-kb-lock");
    const back = returnTo;
    returnTo = null;
    if (back && back.isConnected && back !== document.body) back.focus();
  }

  // ----- the keys ------------------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    // AltGr (reported as Ctrl+Alt on Windows) types "/" or "?" on some layouts: that is typing a key.
    const altGr = event.getModifierState && event.getModifierState("AltGraph");
    if (event.defaultPrevented || event.isComposing || event.metaKey) return;
    if (!altGr && (event.ctrlKey || event.altKey)) return;
    if (sheetOpen()) return; // the sheet handles its own keys (Escape, Tab)
    if (typing(event.target) || typing(document.activeElement) || dialogOpen()) return;
    const key = event.key;

    if (pendingG && Date.now() - pendingG < SEQUENCE_MS) {
      pendingG = 0;
      if (key === "t" || key === "c") {
        event.preventDefault();
        go(key === "t" ? TASKS : CHAT);
        return;
      }
    }
    pendingG = 0;
    if (event.repeat && key !== "j" && key !== "k") return;

    const actions = {
      g: () => {
        pendingG = Date.now();
      },
      q: quickAdd,
      "/": search,
      "?": openSheet,
      j: () => move(1),
      k: () => move(-1),
      x: toggleDone,
      e: openDetails,
    };
    const action = actions[key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // A link or bookmark to /tasks?quick=1 opens the task page with quick add focused.
  function quickFromUrl() {
    const url = new URL(window.location.href);
    if (!onTasksPage() || url.searchParams.get("quick") !== "1") return;
    holdFocus(quickAddField, () => {
      url.searchParams.delete("quick");
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", quickFromUrl);
  else quickFromUrl();
})();

// The notification bell (issue 17, app/states/notifications.py). Every data-bell-poll milliseconds
// while the tab is visible, and when it becomes visible again, click the bell's hidden poll button
// (a cheap unread count). Reminders that arrive while the tab is open (its data-desktop list) are
// also shown by the browser, once each, when the person turned desktop notifications on.
(() => {
  const POLL = "button[data-bell-poll]";
  const SHOWN_KEY = "ticked_desktop_shown";
  const shown = new Set(JSON.parse(sessionStorage.getItem(SHOWN_KEY) || "[]"));

  const poll = () => {
    const button = document.querySelector(POLL);
    if (button && document.visibilityState === "visible") button.click();
  };
  let timer = null;
  const arm = () => {
    const button = document.querySelector(POLL);
    const every = Number(button ? button.dataset.bellPoll : 0) || 30000;
    if (timer) clearInterval(timer);
    timer = setInterval(poll, every);
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") poll();
  });

  const desktop = (button) => {
    let items = [];
    try {
      items = JSON.parse(button.dataset.desktop || "[]");
    } catch {
      return;
    }
    const allowed = "Notification" in window && Notification.permission === "granted";
    for (const item of items) {
      if (!item || !item.id || shown.has(item.id)) continue;
      shown.add(item.id);
      if (!allowed) continue;
      try {
        // The tag makes the browser show one notification per reminder across open tabs.
        const note = new Notification(item.title, { body: item.body || "", tag: `ticked-${item.id}` });
        note.onclick = () => {
          window.focus();
          if (item.href) window.location.assign(item.href);
          note.close();
        };
      } catch {
        // Some browsers (Android Chrome) only show notifications through a service worker.
      }
    }
    sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...shown].slice(-200)));
  };

  let watched = null;
  const observer = new MutationObserver(() => desktop(watched));
  const attach = () => {
    if (watched && watched.isConnected) return; // the common case: cheap on every DOM change
    const button = document.querySelector(POLL);
    if (!button || button === watched) return;
    observer.disconnect();
    watched = button;
    observer.observe(button, { attributes: true, attributeFilter: ["data-desktop"] });
    desktop(button);
    arm();
  };
  new MutationObserver(attach).observe(document.documentElement, { childList: true, subtree: true });
  attach();
})();
