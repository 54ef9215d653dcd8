// The el-ipc dashboard's script. Every text from the server reaches the page through textContent (never
// parsed as HTML); the pasted private key is kept in this page's memory only, used by Web Crypto to sign,
// and never sent. No framework, no network but this server.

const state = { csrf: "", channel: "", live: undefined, lastId: 0 };
const $ = (id) => document.getElementById(id);

/** An element with text and optional class; text always goes in as text. */
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function when(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  return new Date(seconds * 1000).toLocaleString();
}

function showError(message) {
  const e = $("error");
  e.textContent = message;
  e.hidden = !message;
}

async function api(path, init) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  if (res.status === 401) {
    // Session ended: nothing of it stays in the page.
    location.replace("/ui");
    throw new Error("signed out");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = typeof c === "object" && c !== null && "nodeType" in c ? c : el("td", c);
    tr.append(td);
  }
  return tr;
}

/** A row saying the table is empty, across all its columns. */
function emptyRow(body, text, columns) {
  const td = el("td", text, "muted");
  td.colSpan = columns;
  body.append(row([td]));
}

function numberCell(n) {
  return el("td", n, "n");
}

function renderChannels(channels) {
  const body = $("channels").tBodies[0];
  body.replaceChildren();
  for (const c of channels) {
    const b = el("button", c.channel, "link");
    b.type = "button";
    b.setAttribute("aria-current", String(c.channel === state.channel));
    b.addEventListener("click", () => openChannel(c.channel));
    const td = document.createElement("td");
    td.append(b);
    body.append(row([td, numberCell(c.count), when(c.last_message)]));
  }
  if (channels.length === 0) emptyRow(body, "no messages yet", 3);
}

function renderAgents(agents) {
  const body = $("agents").tBodies[0];
  body.replaceChildren();
  for (const a of agents) {
    const revoked = el("td", a.revoked_at ? `${when(a.revoked_at)} by ${a.revoked_by ?? "?"}` : "—");
    if (a.revoked_at) revoked.className = "revoked";
    body.append(row([a.name, a.role, a.identity || "—", when(a.created_at), revoked, when(a.last_sent)]));
  }
  if (agents.length === 0) emptyRow(body, "no registered agents (open mode)", 6);
}

function renderUnread(unread) {
  const body = $("unread").tBodies[0];
  body.replaceChildren();
  for (const u of unread) body.append(row([u.agent, u.channel, numberCell(u.read_to), numberCell(u.unread)]));
  if (unread.length === 0) emptyRow(body, "nobody has read yet", 4);
}

function messageItem(m) {
  const li = document.createElement("li");
  li.dataset.id = String(m.id);
  const meta = el("div", undefined, "meta");
  meta.append(el("span", `#${m.id} · ${when(m.timestamp)} · `), el("strong", m.sender));
  meta.append(el("span", m.signed ? "signed" : "unsigned", `badge ${m.signed ? "signed" : "unsigned"}`));
  li.append(meta, el("p", m.content, "content"));
  return li;
}

function appendMessage(m) {
  if (m.id <= state.lastId) return;
  state.lastId = m.id;
  const list = $("messages");
  const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.append(messageItem(m));
  while (list.children.length > 200) list.firstElementChild.remove();
  if (atEnd) list.scrollTop = list.scrollHeight;
}

function securityItem(m) {
  let event;
  try {
    event = JSON.parse(m.content);
  } catch {
    event = { type: "?", message: m.content };
  }
  const li = document.createElement("li");
  const meta = el(
    "div",
    `${when(m.timestamp)} · ${event.type ?? "?"}${event.remote ? ` · ${event.remote}` : ""}`,
    "meta",
  );
  li.append(meta, el("p", event.message ?? m.content, "content"));
  return li;
}

async function openChannel(channel) {
  state.channel = channel;
  state.lastId = 0;
  if (state.live) state.live.close();
  $("live-channel").textContent = channel;
  $("send").elements.channel.value ||= channel;
  for (const b of document.querySelectorAll("#channels button")) {
    b.setAttribute("aria-current", String(b.textContent === channel));
  }
  const list = $("messages");
  list.replaceChildren();
  try {
    const tail = await api(`/ui/api/messages?${new URLSearchParams({ channel, limit: "50" })}`);
    for (const m of tail) appendMessage(m);
  } catch (e) {
    showError(e.message);
    return;
  }
  const source = new EventSource(
    `/ui/api/live?${new URLSearchParams({ channel, after: String(state.lastId) })}`,
  );
  state.live = source;
  source.addEventListener("open", () => {
    $("live-state").textContent = "live";
  });
  source.addEventListener("message", (ev) => appendMessage(JSON.parse(ev.data)));
  source.addEventListener("error", (ev) => {
    if (ev.data) {
      showError(JSON.parse(ev.data).error);
      source.close();
    }
    $("live-state").textContent = source.readyState === EventSource.CLOSED ? "stopped" : "reconnecting…";
  });
}

async function refresh() {
  try {
    const o = await api("/ui/api/overview");
    renderChannels(o.channels);
    renderAgents(o.agents);
    renderUnread(o.unread);
    if (o.secure_mode) {
      const events = await api("/ui/api/messages?channel=_security&limit=30");
      $("security").replaceChildren(...events.map(securityItem));
      if (events.length === 0) $("security").append(el("li", "none", "muted"));
    } else {
      $("security").replaceChildren(el("li", "open mode: no security events are written", "muted"));
    }
    showError("");
  } catch (e) {
    showError(e.message);
  }
}

function base64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

/** The PKCS#8 bytes of a PEM private key. */
function pemBytes(pem) {
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem);
  if (!m)
    throw new Error(
      "the key must be a PEM private key (-----BEGIN PRIVATE KEY-----), as el-ipc keygen writes",
    );
  return Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

/** Signs the v2 envelope (docs/PROTOCOL.md 4.1) with Web Crypto Ed25519. */
async function sign(pem, channel, sender, content) {
  const key = await crypto.subtle.importKey("pkcs8", pemBytes(pem), { name: "Ed25519" }, false, ["sign"]);
  const signedAt = Date.now();
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const bytes = new TextEncoder().encode(
    `el-ipc/msg/v2\n${channel}\n${sender}\n${signedAt}\n${nonce}\n${content}`,
  );
  const signature = base64(await crypto.subtle.sign({ name: "Ed25519" }, key, bytes));
  return { signature, signed_at: signedAt, nonce };
}

async function send(ev) {
  ev.preventDefault();
  const f = ev.target;
  const channel = f.elements.channel.value.trim();
  const sender = f.elements.sender.value.trim();
  const content = f.elements.content.value;
  const pem = f.elements.key.value;
  const status = $("send-state");
  try {
    const proof = pem.trim() ? await sign(pem, channel, sender, content) : {};
    const r = await api("/ui/api/send", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": state.csrf },
      body: JSON.stringify({ channel, sender, content, ...proof }),
    });
    status.textContent = `sent #${r.id}${r.signed ? ", signed" : ", unsigned"}`;
    f.elements.content.value = "";
  } catch (e) {
    status.textContent = `not sent: ${e.message}`;
  }
}

async function signOut() {
  try {
    await api("/ui/sign-out", { method: "POST", headers: { "x-csrf-token": state.csrf } });
  } finally {
    location.replace("/ui");
  }
}

async function start() {
  $("send").addEventListener("submit", send);
  $("sign-out").addEventListener("click", signOut);
  try {
    const s = await api("/ui/api/session");
    state.csrf = s.csrf;
    $("who").textContent =
      s.mode === "open"
        ? "open mode on loopback: no sign-in"
        : `signed in as ${s.operator ?? "API key holder"} until ${when(s.expires_at)}`;
    $("sign-out").hidden = s.mode === "open";
    if (s.expires_at)
      setTimeout(() => location.replace("/ui"), Math.max(0, s.expires_at * 1000 - Date.now()));
  } catch (e) {
    showError(e.message);
    return;
  }
  await refresh();
  setInterval(refresh, 5000);
  const first = document.querySelector("#channels button");
  const wanted = new URLSearchParams(location.hash.slice(1)).get("channel");
  if (wanted) await openChannel(wanted);
  else if (first) await openChannel(first.textContent);
}

void start();
