// The Playground's live chat: sends the message with fetch (antiforgery token from the form's hidden input) and
// shows the persona's events as they arrive over Server-Sent Events: a typing indicator while an answer.processing is
// outstanding, each part of a reply as its own bubble, drops with their reason. Without this file the page still
// works: the form posts and the reply shows on reload.
const root = document.getElementById("playground");
if (root && root.dataset.user && root.dataset.persona) start(root);

function start(root) {
  const project = root.dataset.project;
  const user = root.dataset.user;
  const persona = root.dataset.persona;
  const personaName = root.dataset.personaName || persona;
  let after = Number(root.dataset.after || "0");
  const log = document.getElementById("pg-messages");
  const typing = document.getElementById("pg-typing");
  const status = document.getElementById("pg-status");
  const form = document.getElementById("pg-send");
  const text = document.getElementById("pg-text");
  const api = `/dashboard/api/projects/${encodeURIComponent(project)}/playground`;
  let outstanding = 0;

  const query = () => `user=${encodeURIComponent(user)}&persona=${encodeURIComponent(persona)}`;

  // EventSource reconnects by itself and sends Last-Event-ID, so nothing is shown twice or missed.
  const source = new EventSource(`${api}/stream?${query()}&after=${after}`);
  source.addEventListener("answer.processing", (e) => handle(e, () => setTyping(outstanding + 1)));
  source.addEventListener("answer.created", (e) => handle(e, (body) => {
    setTyping(Math.max(0, outstanding - 1));
    const answer = body.data && body.data.answer;
    if (answer) addReply(answer);
  }));
  source.addEventListener("conversation.dropped", (e) => handle(e, (body) => {
    setTyping(0);
    const reason = (body.data && body.data.reason) || "unknown reason";
    addNotice(`Dropped: ${reason}. No reply was sent; see the project logs.`, "drop");
  }));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) say("The live connection closed; reload the page to reconnect.");
  });
  window.addEventListener("pagehide", () => source.close());

  function handle(event, show) {
    const sequence = Number(event.lastEventId || "0");
    if (sequence && sequence <= after) return;
    after = sequence || after;
    let item;
    try { item = JSON.parse(event.data); } catch { return; }
    if (!item.signatureValid) addNotice(`An ${item.event} arrived with a signature that does not verify.`, "drop");
    show(item.body || {});
  }

  function setTyping(count) {
    outstanding = count;
    typing.hidden = outstanding === 0;
    if (!typing.hidden) typing.textContent = `${personaName} is typing…`;
  }

  function bubble(kind) {
    const empty = document.getElementById("pg-empty");
    if (empty) empty.remove();
    const li = document.createElement("li");
    li.className = `bubble ${kind}`;
    log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }

  function addReply(answer) {
    const li = bubble("persona");
    const p = document.createElement("p");
    p.textContent = answer.text == null ? (answer.type === "ACTION_POKE" ? "(poke)" : "(no text)") : answer.text;
    li.appendChild(p);
    if (answer.pictureUrl) {
      const a = document.createElement("a");
      a.href = answer.pictureUrl;
      a.textContent = "Shared picture";
      a.rel = "noreferrer";
      li.appendChild(a);
    }
    const meta = document.createElement("p");
    meta.className = "meta";
    const parts = [];
    if (answer.sequenceNumber > 0) parts.push(`part ${answer.sequenceNumber}`);
    if (answer.conversationStopReason) parts.push(`stop: ${answer.conversationStopReason}`);
    if (parts.length) meta.append(parts.join(" · ") + " · ");
    const link = document.createElement("a");
    link.href = `/dashboard/projects/${encodeURIComponent(project)}/responses/${encodeURIComponent(answer.id)}`;
    link.textContent = "Details";
    meta.appendChild(link);
    li.appendChild(meta);
  }

  function addNotice(message, kind) {
    const li = bubble(`notice ${kind}`);
    li.setAttribute("role", "status");
    li.textContent = message;
  }

  function addUser(message) {
    const li = bubble("user");
    const p = document.createElement("p");
    p.textContent = message;
    li.appendChild(p);
    return li;
  }

  function say(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  function language() {
    const select = form.elements.namedItem("Language");
    return (select && select.value) || "EN";
  }

  // Side panel inputs are named rp.<path> (rp.vision.sharedPicturesAnalysis) with data-kind Boolean, Number, Choice or Text.
  function replyParameters() {
    const result = {};
    // form.elements, not querySelectorAll: the side panel's fields sit outside the form (form="pg-send").
    for (const input of form.elements) {
      if (!input.name || !input.name.startsWith("rp.")) continue;
      const raw = input.value.trim();
      if (raw === "") continue;
      let value = raw;
      if (input.dataset.kind === "Boolean") value = raw === "true";
      else if (input.dataset.kind === "Number" && !Number.isNaN(Number(raw))) value = Number(raw);
      const path = input.name.slice(3).split(".");
      let node = result;
      for (const part of path.slice(0, -1)) node = node[part] ??= {};
      node[path[path.length - 1]] = value;
    }
    return result;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = text.value;
    if (!message.trim()) { say("Write a message first."); text.focus(); return; }
    const token = form.querySelector("input[name='__RequestVerificationToken']");
    const button = form.querySelector("button[type='submit']");
    button.disabled = true;
    say("");
    // Shown at once: with no buffer the reply's events can arrive before the send's own answer.
    const sent = addUser(message);
    try {
      const response = await fetch(`${api}/messages`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "RequestVerificationToken": token ? token.value : "" },
        body: JSON.stringify({ user, persona, text: message, language: language(), replyParameters: replyParameters() }),
      });
      if (response.status === 202) {
        text.value = "";
      } else {
        // A refused enqueue (409, a ban) still stored the message, as a customer's app would; anything else did not.
        if (response.status !== 409) sent.remove();
        say(await problemText(response));
      }
    } catch {
      sent.remove();
      say("The message could not be sent: the server did not answer.");
    } finally {
      button.disabled = false;
      text.focus();
    }
  });

  async function problemText(response) {
    try {
      const problem = await response.json();
      const errors = problem.errors ? Object.entries(problem.errors).map(([field, messages]) => `${field}: ${messages.join(", ")}`) : [];
      return [problem.detail || problem.title || `HTTP ${response.status}`, ...errors].join(" — ");
    } catch {
      return `The message was not sent (HTTP ${response.status}).`;
    }
  }
}
