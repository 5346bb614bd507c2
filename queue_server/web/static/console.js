/* Officer console: actions through the JSON API, live desk through Server-Sent Events.
   Every visible word comes from the page's translated configuration. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("console-config").textContent);
  var text = config.text;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var state = config.initial;
  var inFlight = false;
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button.act"));
  var outcome = document.getElementById("outcome");
  var liveStatus = document.getElementById("live-status");
  var liveMode = document.getElementById("live-mode");
  var skipDialog = document.getElementById("skip-dialog");
  var transferDialog = document.getElementById("transfer-dialog");
  var dossierForm = document.getElementById("dossier-form");
  var dossierInput = document.getElementById("dossier-input");
  var dossierOutcome = document.getElementById("dossier-outcome");
  var DOSSIER_CODE = /^[A-Za-z0-9._\/-]{1,64}$/;
  var pollTimer = null;
  var source = null;

  /* A fresh key per click: the server applies each key at most once. */
  function newKey() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") { return c.randomUUID(); }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
            hex.slice(20)].join("-");
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return values[key] !== undefined && values[key] !== null ? values[key] : "–";
    });
  }

  function show(message, kind) {
    outcome.textContent = message;
    outcome.className = "outcome " + (kind || "");
  }

  function setLive(mode) {
    liveStatus.classList.toggle("lost", mode !== "live" && mode !== "polling");
    liveMode.textContent = text[mode];
    liveStatus.dataset.mode = mode;
  }

  function refreshButtons() {
    buttons.forEach(function (b) { b.disabled = inFlight || !state.seated; });
    document.body.classList.toggle("in-flight", inFlight);
  }

  function apply(data) {
    if (typeof data.seq === "number" && data.seq < state.seq) { return; }  /* an older view */
    Object.keys(data.parts).forEach(function (id) {
      var region = document.getElementById(id);
      if (region) { region.innerHTML = data.parts[id]; }
    });
    document.getElementById("current").dataset.seq = data.seq;
    document.getElementById("updated").textContent = data.updated;
    state = {seq: data.seq, paused: data.paused, seated: data.seated, current: data.current,
             current_field: data.current_field, current_id: data.current_id};
    dossierForm.hidden = !data.current_id;
    document.querySelector("button.act.pause").hidden = data.paused;
    document.querySelector("button.act.resume").hidden = !data.paused;
    document.getElementById("seat-lost").hidden = data.seated;
    refreshButtons();
  }

  function sessionEnded() {
    show(text.session, "bad");
    var link = document.createElement("a");
    link.href = config.login;
    link.textContent = " →";
    outcome.appendChild(link);
  }

  function refresh() {
    return fetch(config.snapshot, {credentials: "same-origin",
                                   headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401 || response.redirected) {  /* sent to the login page */
          stopPolling();
          sessionEnded();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* the stream or the next poll will bring the news */ });
  }

  function describe(action, status, body, ticket, extra) {
    if (status === 200) {
      if (body.result === "empty") { show(text.empty, "warn"); return; }
      var values = {ticket: body.ticket || ticket, field: extra && extra.service};
      var key = {next: "called", recall: "recalled", complete: "completed", skip: "no_show",
                 transfer: "transferred", pause: "paused", resume: "resumed"}[action];
      show(fill(text[key], values), action === "next" || action === "recall" ? "call" : "ok");
      return;
    }
    var code = body && body.error ? body.error.code : null;
    if (status === 401) { sessionEnded(); return; }
    if (code === "csrf") { show(text.csrf, "bad"); return; }
    if (status === 403) { show(text.forbidden, "bad"); return; }
    show(text.reasons[code] || (body && body.error && body.error.message) ||
         text.reasons.rejected, "bad");
  }

  function send(action, extra) {
    if (inFlight || !state.seated) { return; }
    var ticket = state.current;
    inFlight = true;
    refreshButtons();
    show(text.working, "working");
    fetch(config.api.replace("ACTION", action), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrf, "Idempotency-Key": newKey()},
      body: JSON.stringify(extra || {})
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          describe(action, response.status, body, ticket, extra);
        });
      })
      .catch(function () { show(text.failed, "bad"); })
      .then(refresh)
      .then(function () { inFlight = false; refreshButtons(); });
  }

  function ask(dialog, onChoice) {
    if (inFlight || !state.seated) { return; }
    if (!state.current || typeof dialog.showModal !== "function") { onChoice("confirm"); return; }
    Array.prototype.forEach.call(dialog.querySelectorAll(".dialog-text"), function (el) {
      el.textContent = fill(el.dataset.template, {ticket: state.current});
    });
    Array.prototype.forEach.call(dialog.querySelectorAll("button.target"), function (b) {
      b.disabled = b.dataset.field === state.current_field;
    });
    dialog.returnValue = "";
    dialog.onclose = function () {
      dialog.onclose = null;
      if (dialog.returnValue && dialog.returnValue !== "cancel") { onChoice(dialog.returnValue); }
    };
    dialog.showModal();
  }

  function run(action) {
    if (action === "skip") {
      ask(skipDialog, function () { send("skip"); });
    } else if (action === "transfer") {
      if (!state.current) {
        if (!inFlight && state.seated) { show(text.reasons.no_current_ticket, "bad"); }
        return;
      }
      ask(transferDialog, function (field) { send("transfer", {service: field}); });
    } else {
      send(action);
    }
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.action); });
  });

  var KEYS = {n: "next", r: "recall", c: "complete", s: "skip", t: "transfer"};
  document.addEventListener("keydown", function (event) {
    if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var key = (event.key || "").toLowerCase();
    var action = key === "p" ? (state.paused ? "resume" : "pause") : KEYS[key];
    if (!action) { return; }
    event.preventDefault();
    run(action);
  });

  /* A dossier code typed, or typed by a USB scanner in keyboard mode ending in Enter. */
  function attachDossier(event) {
    event.preventDefault();
    var code = dossierInput.value.trim();
    var ticket = state.current;
    if (!DOSSIER_CODE.test(code)) {
      dossierOutcome.textContent = text.reasons.bad_dossier;
      dossierOutcome.className = "outcome bad";
      dossierInput.select();
      return;
    }
    if (!state.current_id) { return; }
    fetch(config.dossiers.replace("TICKET", encodeURIComponent(state.current_id)), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrf},
      body: JSON.stringify({code: code})
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            dossierOutcome.textContent = fill(text.attached, {code: code, ticket: ticket});
            dossierOutcome.className = "outcome ok";
            dossierInput.value = "";
            return;
          }
          var reason = body && body.error ? body.error.code : null;
          if (response.status === 401) { sessionEnded(); return; }
          dossierOutcome.textContent = reason === "csrf" ? text.csrf :
            text.reasons[reason] || text.reasons.rejected;
          dossierOutcome.className = "outcome bad";
        });
      })
      .catch(function () {
        dossierOutcome.textContent = text.failed;
        dossierOutcome.className = "outcome bad";
      })
      .then(refresh);
  }

  dossierForm.addEventListener("submit", attachDossier);

  function startPolling() {
    setLive("polling");
    if (pollTimer === null) { pollTimer = window.setInterval(refresh, config.poll_ms); }
  }

  function stopPolling() {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!window.EventSource) { startPolling(); return; }
    source = new EventSource(config.events);
    source.addEventListener("snapshot", function (event) {
      stopPolling();
      setLive("live");
      apply(JSON.parse(event.data));
    });
    source.addEventListener("busy", startPolling);
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        setLive("ended");
        startPolling();
      } else if (pollTimer === null) {
        setLive("lost");
      }
    });
  }

  refreshButtons();
  setLive("lost");
  connect();
})();
