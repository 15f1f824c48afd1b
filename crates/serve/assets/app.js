// authdoctor serve: small improvements over pages that work without JavaScript.
// Shell tabs, copy buttons, and a live diagnosis while you paste. Text from the server
// is only ever set with textContent, never parsed as HTML.
"use strict";

(function () {
  var SHELL_KEY = "shell";

  // Shell tabs: every group on the page follows the choice.
  function selectShell(shell, focus) {
    document.querySelectorAll(".shells").forEach(function (group) {
      group.querySelectorAll('[role="tab"]').forEach(function (tab) {
        var on = tab.dataset.shell === shell;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        if (on && focus === group) tab.focus();
      });
      group.querySelectorAll("[data-shell-panel]").forEach(function (panel) {
        panel.hidden = panel.dataset.shellPanel !== shell;
      });
    });
  }
  var groups = document.querySelectorAll(".shells");
  groups.forEach(function (group) {
    var list = group.querySelector('[role="tablist"]');
    if (!list) return;
    list.hidden = false;
    group.querySelectorAll("[data-shell-panel] > h3").forEach(function (h) { h.hidden = true; });
    var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { selectShell(tab.dataset.shell, group); });
      tab.addEventListener("keydown", function (e) {
        var next = null;
        if (e.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
        if (e.key === "ArrowLeft") next = tabs[(i + tabs.length - 1) % tabs.length];
        if (next) { e.preventDefault(); selectShell(next.dataset.shell, group); }
      });
    });
  });
  if (groups.length) {
    var initial = "bash";
    try { initial = sessionStorage.getItem(SHELL_KEY) || initial; } catch (e) { /* storage off */ }
    selectShell(initial, null);
    document.addEventListener("click", function (e) {
      var tab = e.target.closest && e.target.closest('[role="tab"]');
      if (tab) { try { sessionStorage.setItem(SHELL_KEY, tab.dataset.shell); } catch (err) { /* off */ } }
    });
  }

  // Copy buttons: the command text of the block the button belongs to.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var code = document.getElementById(button.dataset.copyTarget);
      if (!code) return;
      var text = code.textContent;
      var done = function () {
        button.dataset.copied = "true";
        button.textContent = "Copied";
        button.setAttribute("aria-label", "Copied to the clipboard");
        setTimeout(function () {
          button.dataset.copied = "false";
          button.textContent = "Copy";
          button.setAttribute("aria-label", button.dataset.label);
        }, 4000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { if (fallbackCopy(text)) done(); });
      } else if (fallbackCopy(text)) {
        done();
      }
    });
  });

  // Live diagnosis while pasting: the same engine through /api/explain.
  var paste = document.getElementById("paste-text");
  var live = document.getElementById("live-result");
  if (paste && live) {
    var timer = null;
    var seq = 0;
    var run = function () {
      var text = paste.value;
      if (!text.trim()) { live.textContent = ""; return; }
      var mine = ++seq;
      fetch("/api/explain", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text }),
        credentials: "omit",
        cache: "no-store"
      }).then(function (r) { return r.json(); }).then(function (doc) {
        if (mine !== seq) return;
        live.textContent = "";
        var findings = doc.findings || [];
        if (!findings.length) {
          live.textContent = "No AWS authorization or credential error recognised yet.";
          return;
        }
        var lead = document.createElement("span");
        lead.textContent = "Looks like: ";
        live.appendChild(lead);
        findings.slice(0, 3).forEach(function (f, i) {
          if (i) live.appendChild(document.createTextNode("; "));
          var a = document.createElement("a");
          a.href = "/scenarios/" + encodeURIComponent(f.scenario);
          a.textContent = f.title;
          live.appendChild(a);
          var badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = " " + f.scenario;
          live.appendChild(document.createTextNode(" "));
          live.appendChild(badge);
        });
        live.appendChild(document.createTextNode(" — press Explain for the evidence and the fix."));
      }).catch(function () { /* the form still works */ });
    };
    paste.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 350);
    });
  }
})();
