/*
 * The contact-facing web chat page (served by the sync server at /chat/<channelId>; see
 * sync-server/src/channels/visitor-page.ts and visitor-socket.ts for the protocol).
 *
 * Safety: every piece of text that came from anyone (messages, names) reaches the DOM through
 * textContent only; nothing is parsed as HTML. The visitor token lives in this origin's
 * localStorage, so a visitor who comes back (same browser, same host site) finds their
 * conversation. Messages typed while disconnected are kept with their id and sent again on
 * reconnect; the server treats a resend of the same id as the same message.
 */
(function () {
	'use strict';
	var root = document.getElementById('chat');
	if (!root) return;
	var channelId = root.getAttribute('data-channel') || '';
	var params = new URLSearchParams(location.search);
	var embedded = params.has('embed');
	var tokenKey = 'parley.visitor.' + channelId;
	var pendingKey = tokenKey + '.pending';
	var list = document.getElementById('messages');
	var typingEl = document.getElementById('typing');
	var connEl = document.getElementById('conn');
	var form = document.getElementById('composer');
	var input = document.getElementById('text');
	var nameRow = document.getElementById('name-row');
	var nameInput = document.getElementById('name');
	var errorEl = document.getElementById('error');

	var ws = null;
	var attempt = 0;
	var open = !embedded;
	var byId = new Map();
	var pageUrl = params.get('page') || '';
	var typingSent = false;
	var typingTimer = null;
	var lastTypingAt = 0;

	function load(key) {
		try { return localStorage.getItem(key); } catch (e) { return null; }
	}
	function save(key, value) {
		try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (e) { /* storage off: this tab only */ }
	}
	var token = load(tokenKey);
	var pending = [];
	try { pending = JSON.parse(load(pendingKey) || '[]') || []; } catch (e) { pending = []; }
	function savePending() { save(pendingKey, pending.length ? JSON.stringify(pending) : null); }

	function newId() {
		var a = new Uint8Array(16);
		crypto.getRandomValues(a);
		var abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
		var s = 'v';
		for (var i = 0; i < a.length; i++) s += abc[a[i] & 63];
		return s;
	}

	function timeOf(at) {
		try { return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); } catch (e) { return ''; }
	}

	function statusLabel(m) {
		if (m.direction !== 'in') return '';
		if (m.status === 'read') return 'Read';
		if (m.status === 'sent') return 'Delivered';
		return 'Sending…';
	}

	/** Adds or updates one message row; text only, never HTML. */
	function render(m) {
		var row = byId.get(m.id);
		if (!row) {
			row = document.createElement('li');
			row.className = 'msg ' + (m.direction === 'in' ? 'mine' : 'theirs');
			row.setAttribute('data-id', m.id);
			var bubble = document.createElement('div');
			bubble.className = 'bubble';
			var meta = document.createElement('div');
			meta.className = 'meta';
			row.appendChild(bubble);
			row.appendChild(meta);
			byId.set(m.id, row);
			var after = null;
			var rows = list.children;
			for (var i = rows.length - 1; i >= 0; i--) {
				if (Number(rows[i].getAttribute('data-at')) <= m.at) { after = rows[i]; break; }
			}
			if (after) after.after(row); else list.prepend(row);
		}
		row.setAttribute('data-at', String(m.at));
		row.setAttribute('data-status', m.status || '');
		row.firstChild.textContent = m.text || (m.type && m.type !== 'text' ? '[' + m.type + ']' : '');
		var label = statusLabel(m);
		row.lastChild.textContent = timeOf(m.at) + (label ? ' · ' + label : '');
		row.scrollIntoView({ block: 'end' });
	}

	function setConn(state) {
		connEl.textContent = state === 'online' ? 'Connected' : state === 'connecting' ? 'Connecting…' : state === 'idle' ? '' : 'Offline, retrying…';
		connEl.setAttribute('data-state', state);
	}

	function showError(text) {
		errorEl.textContent = text || '';
		errorEl.hidden = !text;
	}

	function sendFrame(obj) {
		if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(obj)); return true; }
		return false;
	}

	function seen() {
		if (open && document.visibilityState === 'visible') sendFrame({ type: 'seen' });
	}

	async function ensureSession() {
		if (token) return token;
		var res = await fetch('/api/chat/' + encodeURIComponent(channelId) + '/session', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: nameInput && nameInput.value ? nameInput.value.slice(0, 80) : undefined })
		});
		if (!res.ok) {
			var body = await res.json().catch(function () { return null; });
			throw new Error((body && body.error && body.error.message) || 'The chat is not available.');
		}
		token = (await res.json()).token;
		save(tokenKey, token);
		return token;
	}

	function connect() {
		if (!token) return;
		setConn('connecting');
		var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
		var sock = new WebSocket(proto + '//' + location.host + '/api/chat/' + encodeURIComponent(channelId) + '/ws?visitor=' + encodeURIComponent(token));
		ws = sock;
		var opened = false;
		sock.onopen = function () {
			opened = true;
			attempt = 0;
			setConn('online');
			for (var i = 0; i < pending.length; i++) sendFrame({ type: 'message', id: pending[i].id, text: pending[i].text });
			if (pageUrl) sendFrame({ type: 'page', url: pageUrl });
		};
		sock.onmessage = function (ev) {
			var msg;
			try { msg = JSON.parse(ev.data); } catch (e) { return; }
			if (msg.type === 'history') {
				for (var i = 0; i < msg.messages.length; i++) render(msg.messages[i]);
				if (nameRow && msg.messages.length) nameRow.hidden = true;
				typingEl.hidden = !msg.typing;
				seen();
			} else if (msg.type === 'message') {
				render(msg.message);
				if (msg.message.direction === 'out') { typingEl.hidden = true; seen(); }
			} else if (msg.type === 'status') {
				var row = byId.get(msg.id);
				if (row) {
					row.setAttribute('data-status', msg.status);
					var at = Number(row.getAttribute('data-at'));
					row.lastChild.textContent = timeOf(at) + ' · ' + statusLabel({ direction: 'in', status: msg.status });
				}
			} else if (msg.type === 'typing') {
				typingEl.hidden = !msg.typing;
			} else if (msg.type === 'ack') {
				pending = pending.filter(function (p) { return p.id !== msg.id; });
				savePending();
			} else if (msg.type === 'error') {
				if (msg.id) { pending = pending.filter(function (p) { return p.id !== msg.id; }); savePending(); }
				showError(msg.message);
			}
		};
		sock.onclose = function (ev) {
			if (ws !== sock) return;
			ws = null;
			setConn('offline');
			// Refused before opening: the token is unknown here (data reset); start a new session.
			if (!opened && attempt >= 2) { token = null; save(tokenKey, null); }
			var delay = Math.min(15000, 500 * Math.pow(2, attempt++)) * (0.5 + Math.random() / 2);
			setTimeout(function () {
				if (token) connect();
				else if (pending.length) ensureSession().then(connect, function (e) { showError(e.message); });
			}, delay);
		};
	}

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		var text = input.value.trim();
		if (!text) return;
		if (text.length > 4000) { showError('A message holds at most 4000 characters.'); return; }
		showError('');
		var m = { id: newId(), text: text };
		pending.push(m);
		savePending();
		input.value = '';
		if (nameRow) nameRow.hidden = true;
		render({ id: m.id, direction: 'in', type: 'text', text: text, at: Date.now() });
		typingSent = false;
		if (ws) { sendFrame({ type: 'message', id: m.id, text: text }); return; }
		ensureSession().then(connect, function (e) { showError(e.message); });
	});

	input.addEventListener('keydown', function (ev) {
		if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
	});

	input.addEventListener('input', function () {
		var now = Date.now();
		if (!typingSent || now - lastTypingAt > 3000) {
			if (sendFrame({ type: 'typing', typing: true })) { typingSent = true; lastTypingAt = now; }
		}
		clearTimeout(typingTimer);
		typingTimer = setTimeout(function () {
			if (typingSent) sendFrame({ type: 'typing', typing: false });
			typingSent = false;
		}, 4000);
	});

	document.addEventListener('visibilitychange', seen);
	window.addEventListener('focus', seen);

	// The embedding widget (static/widget.js) tells us about the host page.
	window.addEventListener('message', function (ev) {
		if (ev.source !== window.parent || !ev.data || typeof ev.data !== 'object') return;
		if (ev.data.type === 'parley:page' && typeof ev.data.url === 'string') {
			pageUrl = ev.data.url;
			sendFrame({ type: 'page', url: pageUrl });
		} else if (ev.data.type === 'parley:open') {
			open = ev.data.open === true;
			seen();
		}
	});

	if (token) connect();
	else if (pending.length) ensureSession().then(connect, function (e) { showError(e.message); });
	else setConn('idle');
})();
