/*
 * The contact-facing web chat page (served by the sync server at /chat/<channelId>; see
 * sync-server/src/channels/visitor-page.ts and visitor-socket.ts for the protocol).
 *
 * Safety: every piece of text that came from anyone (messages, names) reaches the DOM through
 * textContent only; nothing is parsed as HTML. The visitor token lives in this origin's
 * localStorage, so a visitor who comes back (same browser, same host site) finds their
 * conversation. Messages typed while disconnected are kept with their id and sent again on
 * reconnect; the server treats a resend of the same id as the same message.
 *
 * Files (S5.14): the attach button or a drop on the page uploads each file at once (progress,
 * cancel) into this visitor's conversation; Send sends the text with the files that finished.
 * Files are shown as image thumbnails (click: full size, Escape closes), audio players or
 * download links with their original names, from signed URLs the server gives this visitor.
 * The page speaks English or French, after the browser's language.
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
	var attachBtn = document.getElementById('attach');
	var fileInput = document.getElementById('file');
	var filesEl = document.getElementById('files');
	var dropEl = document.getElementById('drop');
	var viewer = document.getElementById('viewer');

	var FR = /^fr\b/i.test(navigator.language || '');
	var T = FR ? {
		hi: 'Bonjour 👋', help: 'Comment pouvons-nous vous aider ? Écrivez votre question ici ; nous répondons en général en quelques minutes.',
		name: 'Votre nom (facultatif)', message: 'Écrivez un message…', send: 'Envoyer', attach: 'Joindre un fichier', drop: 'Déposez les fichiers pour les envoyer',
		typing: 'Un agent écrit…', read: 'Lu', delivered: 'Distribué', sending: 'Envoi…', connected: 'Connecté', connecting: 'Connexion…', offline: 'Hors ligne, nouvelle tentative…',
		uploading: 'Envoi', cancel: 'Annuler', remove: 'Retirer', close: 'Fermer', download: 'Télécharger', view: 'Voir en grand', tooLong: 'Un message contient au plus 4000 caractères.',
		uploadFailed: 'Le fichier n\'a pas pu être envoyé.', waitFiles: 'Attendez la fin de l\'envoi des fichiers.',
		call: 'Appeler', calling: 'Appel en cours… ça sonne', callConnected: 'En communication', callEnded: 'Appel terminé', callMissed: 'Pas de réponse',
		callFailed: 'L\'appel a échoué', hangUp: 'Raccrocher', accept: 'Répondre', incoming: ' vous appelle', callRecorded: '● Cet appel est enregistré',
		micDenied: 'Le micro est bloqué : autorisez-le dans votre navigateur pour appeler.', callMax: 'Appel terminé (durée maximale atteinte)'
	} : {
		hi: 'Hi there 👋', help: 'How can we help? Write your question here; we usually reply within minutes.',
		name: 'Your name (optional)', message: 'Write a message…', send: 'Send', attach: 'Attach a file', drop: 'Drop files to send them',
		typing: 'An agent is typing…', read: 'Read', delivered: 'Delivered', sending: 'Sending…', connected: 'Connected', connecting: 'Connecting…', offline: 'Offline, retrying…',
		uploading: 'Uploading', cancel: 'Cancel', remove: 'Remove', close: 'Close', download: 'Download', view: 'View full size', tooLong: 'A message holds at most 4000 characters.',
		uploadFailed: 'The file could not be sent.', waitFiles: 'Wait until the files have finished uploading.',
		call: 'Call', calling: 'Calling… ringing', callConnected: 'Connected', callEnded: 'Call ended', callMissed: 'No answer',
		callFailed: 'The call failed', hangUp: 'Hang up', accept: 'Accept', incoming: ' is calling you', callRecorded: '● This call is recorded',
		micDenied: 'The microphone is blocked: allow it in your browser to call.', callMax: 'Call ended (maximum length reached)'
	};
	document.documentElement.lang = FR ? 'fr' : 'en';
	var greeting = document.getElementById('greeting');
	if (greeting && !greeting.hasAttribute('data-custom')) { greeting.firstChild.textContent = T.hi; greeting.lastChild.textContent = T.help; }
	if (nameInput) { nameInput.placeholder = T.name; nameInput.setAttribute('aria-label', T.name); }
	input.placeholder = T.message; input.setAttribute('aria-label', T.message);
	document.getElementById('send').textContent = T.send;
	attachBtn.setAttribute('aria-label', T.attach); attachBtn.title = T.attach;
	dropEl.textContent = T.drop;
	typingEl.textContent = T.typing;
	document.getElementById('viewer-close').textContent = T.close;

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
	// Messages the server stored but will never show back (a blocked contact's, S7.6): kept here so
	// they still read as sent after a reload.
	var keptKey = tokenKey + '.kept';
	var kept = [];
	try { kept = JSON.parse(load(keptKey) || '[]') || []; } catch (e) { kept = []; }

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
		if (m.status === 'read') return T.read;
		if (m.status === 'sent') return T.delivered;
		return T.sending;
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
		var bubble = row.firstChild;
		bubble.textContent = m.text || (m.attachments && m.attachments.length ? '' : m.type && m.type !== 'text' ? '[' + m.type + ']' : '');
		if (m.attachments && m.attachments.length) bubble.appendChild(renderFiles(m.attachments));
		else if (m.localFiles && m.localFiles.length) bubble.appendChild(renderFiles(m.localFiles));
		if (m.linkPreview) bubble.appendChild(renderPreview(m.linkPreview));
		var label = statusLabel(m);
		row.lastChild.textContent = timeOf(m.at) + (label ? ' · ' + label : '');
		row.scrollIntoView({ block: 'end' });
	}

	function sizeOf(n) {
		return n < 1024 ? n + ' B' : n < 1048576 ? Math.round(n / 1024) + ' KB' : (n / 1048576).toFixed(1) + ' MB';
	}

	function safeUrl(u) {
		// Files: paths of this origin; previews: http(s) only.
		if (typeof u !== 'string') return null;
		if (/^\/api\/uploads\//.test(u)) return u;
		return /^https?:\/\//i.test(u) ? u : null;
	}

	/** Files of a message: thumbnails, players or download links; text only, never HTML. */
	function renderFiles(files) {
		var box = document.createElement('div');
		box.className = 'att';
		for (var i = 0; i < files.length; i++) {
			var f = files[i];
			var url = safeUrl(f.url);
			var mime = String(f.mime || '');
			if (url && /^image\/(png|jpeg|gif|webp)$/.test(mime)) {
				var b = document.createElement('button');
				b.type = 'button';
				b.className = 'thumb';
				b.setAttribute('aria-label', T.view + ': ' + f.name);
				var img = document.createElement('img');
				img.src = url;
				img.alt = f.name;
				b.appendChild(img);
				b.addEventListener('click', openViewer.bind(null, url, f.name));
				box.appendChild(b);
			} else if (url && /^audio\//.test(mime)) {
				var au = document.createElement('audio');
				au.controls = true;
				au.preload = 'metadata';
				au.src = url;
				au.setAttribute('aria-label', f.name);
				box.appendChild(au);
			}
			if (!/^image\/(png|jpeg|gif|webp)$/.test(mime) || !url) {
				var a = document.createElement(url ? 'a' : 'span');
				a.className = 'file';
				if (url) { a.href = url; a.download = f.name; a.title = T.download + ' ' + f.name; }
				a.textContent = '📄 ' + f.name + ' · ' + sizeOf(f.size || 0);
				box.appendChild(a);
			}
		}
		return box;
	}

	function renderPreview(p) {
		var url = safeUrl(p.url);
		if (!url) return document.createTextNode('');
		var a = document.createElement('a');
		a.className = 'preview';
		a.href = url;
		a.target = '_blank';
		a.rel = 'noopener noreferrer nofollow';
		var b = document.createElement('b');
		b.textContent = p.title || url;
		a.appendChild(b);
		if (p.description) { var d = document.createElement('span'); d.textContent = p.description; a.appendChild(d); }
		return a;
	}

	function openViewer(url, name) {
		viewer.querySelector('img').src = url;
		viewer.querySelector('img').alt = name;
		document.getElementById('viewer-name').textContent = name;
		viewer.showModal();
	}
	document.getElementById('viewer-close').addEventListener('click', function () { viewer.close(); });
	viewer.addEventListener('click', function (ev) { if (ev.target === viewer) viewer.close(); });

	// --- files being uploaded: {id, name, size, mime, status: uploading|done|error, xhr, storageName, url}
	var uploads = [];

	function renderUploads() {
		filesEl.textContent = '';
		uploads.forEach(function (u) {
			var chip = document.createElement('span');
			chip.className = 'chip ' + u.status;
			chip.setAttribute('data-status', u.status);
			var name = document.createElement('span');
			name.textContent = u.name;
			chip.appendChild(name);
			if (u.status === 'uploading') {
				var p = document.createElement('progress');
				p.max = 1;
				p.value = u.progress || 0;
				p.setAttribute('aria-label', T.uploading + ' ' + u.name);
				chip.appendChild(p);
			} else if (u.status === 'error') {
				var e = document.createElement('span');
				e.textContent = u.error;
				chip.appendChild(e);
			} else {
				var s = document.createElement('span');
				s.textContent = sizeOf(u.size);
				chip.appendChild(s);
			}
			var x = document.createElement('button');
			x.type = 'button';
			x.className = 'x';
			x.textContent = '×';
			x.setAttribute('aria-label', (u.status === 'uploading' ? T.cancel : T.remove) + ' ' + u.name);
			x.addEventListener('click', function () {
				if (u.xhr) u.xhr.abort();
				uploads = uploads.filter(function (o) { return o !== u; });
				renderUploads();
			});
			chip.appendChild(x);
			filesEl.appendChild(chip);
		});
	}

	function addFiles(fileList) {
		// A copy: the input's FileList empties when its value is reset.
		var list = Array.prototype.slice.call(fileList);
		showError('');
		ensureSession().then(function (tok) {
			if (!ws) connect();
			for (var i = 0; i < list.length; i++) upload(list[i], tok);
		}, function (e) { showError(e.message); });
	}

	function upload(file, tok) {
		var u = { id: newId(), name: file.name, size: file.size, mime: file.type || 'application/octet-stream', status: 'uploading', progress: 0 };
		uploads.push(u);
		renderUploads();
		var xhr = new XMLHttpRequest();
		u.xhr = xhr;
		xhr.open('POST', '/api/chat/' + encodeURIComponent(channelId) + '/uploads');
		xhr.setRequestHeader('authorization', 'Bearer ' + tok);
		xhr.setRequestHeader('content-type', u.mime);
		xhr.setRequestHeader('x-file-name', encodeURIComponent(file.name));
		xhr.upload.onprogress = function (e) { u.progress = e.lengthComputable ? e.loaded / e.total : 0; renderUploads(); };
		xhr.onload = function () {
			u.xhr = null;
			var body = null;
			try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
			if (xhr.status === 201 && body && body.attachment) {
				u.status = 'done';
				u.storageName = body.attachment.storageName;
				u.url = body.url;
			} else {
				u.status = 'error';
				u.error = (body && body.error && body.error.message) || T.uploadFailed;
			}
			renderUploads();
		};
		xhr.onerror = function () { u.xhr = null; u.status = 'error'; u.error = T.uploadFailed; renderUploads(); };
		xhr.send(file);
	}

	attachBtn.addEventListener('click', function () { fileInput.click(); });
	fileInput.addEventListener('change', function () { addFiles(fileInput.files || []); fileInput.value = ''; });
	var dragDepth = 0;
	document.addEventListener('dragenter', function (ev) {
		if (ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types, 'Files') >= 0) { dragDepth++; dropEl.hidden = false; }
	});
	document.addEventListener('dragleave', function () { if (--dragDepth <= 0) { dragDepth = 0; dropEl.hidden = true; } });
	document.addEventListener('dragover', function (ev) { if (ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types, 'Files') >= 0) ev.preventDefault(); });
	document.addEventListener('drop', function (ev) {
		dragDepth = 0;
		dropEl.hidden = true;
		if (!ev.dataTransfer || !ev.dataTransfer.files.length) return;
		ev.preventDefault();
		addFiles(ev.dataTransfer.files);
	});

	function setConn(state) {
		connEl.textContent = state === 'online' ? T.connected : state === 'connecting' ? T.connecting : state === 'idle' ? '' : T.offline;
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
			for (var i = 0; i < pending.length; i++) sendFrame(frameOf(pending[i]));
			if (pageUrl) sendFrame({ type: 'page', url: pageUrl });
		};
		sock.onmessage = function (ev) {
			var msg;
			try { msg = JSON.parse(ev.data); } catch (e) { return; }
			if (msg.type === 'history') {
				for (var i = 0; i < msg.messages.length; i++) render(msg.messages[i]);
				for (var k = 0; k < kept.length; k++) if (!byId.has(kept[k].id)) render({ id: kept[k].id, direction: 'in', type: 'text', text: kept[k].text, at: kept[k].at, status: 'sent', localFiles: kept[k].files || [] });
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
				var pendingById = {};
				pending.forEach(function (p) { pendingById[p.id] = p; });
				pending = pending.filter(function (p) { return p.id !== msg.id; });
				savePending();
				// Stored: the message shows as sent, whatever comes next (a blocked contact's message
				// is stored as an event only, and no message frame follows).
				var acked = byId.get(msg.id);
				if (acked && !acked.getAttribute('data-status')) {
					var sentMsg = pendingById[msg.id];
					if (sentMsg) {
						kept = kept.concat([{ id: sentMsg.id, text: sentMsg.text, at: Number(acked.getAttribute('data-at')), files: sentMsg.files || [] }]).slice(-50);
						save(keptKey, JSON.stringify(kept));
					}
					acked.setAttribute('data-status', 'sent');
					acked.lastChild.textContent = timeOf(Number(acked.getAttribute('data-at'))) + ' · ' + statusLabel({ direction: 'in', status: 'sent' });
				}
			} else if (typeof msg.type === 'string' && msg.type.indexOf('call_') === 0) {
				onCallFrame(msg);
			} else if (msg.type === 'error') {
				if (msg.callId && call && msg.callId === call.id) endCall(T.callFailed);
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

	function frameOf(p) {
		var f = { type: 'message', id: p.id, text: p.text };
		if (p.files && p.files.length) f.attachments = p.files.map(function (x) { return x.storageName; });
		return f;
	}

	form.addEventListener('submit', function (ev) {
		ev.preventDefault();
		var text = input.value.trim();
		if (uploads.some(function (u) { return u.status === 'uploading'; })) { showError(T.waitFiles); return; }
		var ready = uploads.filter(function (u) { return u.status === 'done'; }).map(function (u) { return { storageName: u.storageName, name: u.name, size: u.size, mime: u.mime, url: u.url }; });
		if (!text && !ready.length) return;
		if (text.length > 4000) { showError(T.tooLong); return; }
		showError('');
		var m = { id: newId(), text: text, files: ready };
		pending.push(m);
		savePending();
		input.value = '';
		uploads = [];
		renderUploads();
		if (nameRow) nameRow.hidden = true;
		render({ id: m.id, direction: 'in', type: 'text', text: text, at: Date.now(), localFiles: ready });
		typingSent = false;
		if (ws) { sendFrame(frameOf(m)); return; }
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

	// --- voice calls (SPEC S2; wire: src/lib/protocol/calls.ts) -----------------------------------
	// WebRTC peer to peer with the agent's browser; the socket only carries the offer and answer
	// (ICE candidates gathered first) and the call's state.
	var callBtn = document.getElementById('call');
	var callBar = document.getElementById('callbar');
	var callStatus = document.getElementById('call-status');
	var callTimer = document.getElementById('call-timer');
	var callRec = document.getElementById('call-rec');
	var callAccept = document.getElementById('call-accept');
	var callHangup = document.getElementById('call-hangup');
	var callAudio = document.getElementById('call-audio');
	var iceServers = [];
	var call = null;
	if (callBtn) { callBtn.textContent = T.call; callHangup.textContent = T.hangUp; callAccept.textContent = T.accept; callRec.textContent = T.callRecorded; }

	function callState(text, state) {
		callBar.hidden = false;
		callStatus.textContent = text;
		callBar.setAttribute('data-state', state);
		callHangup.hidden = state === 'ended';
		callAccept.hidden = state !== 'incoming';
		if (callBtn) callBtn.disabled = state !== 'ended';
	}

	function tick() {
		if (!call || !call.connectedAt) return;
		var s = Math.floor((Date.now() - call.connectedAt) / 1000);
		callTimer.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
	}

	function endCall(text) {
		if (!call) return;
		var c = call;
		call = null;
		clearInterval(c.timer);
		if (c.pc) c.pc.close();
		if (c.stream) c.stream.getTracks().forEach(function (t) { t.stop(); });
		callAudio.srcObject = null;
		callState(text, 'ended');
	}

	function waitOpen() {
		return new Promise(function (resolve, reject) {
			var until = Date.now() + 15000;
			(function check() {
				if (ws && ws.readyState === WebSocket.OPEN) return resolve();
				if (Date.now() > until) return reject(new Error(T.offline));
				setTimeout(check, 50);
			})();
		});
	}

	async function micFor(callId) {
		try {
			var stream = await navigator.mediaDevices.getUserMedia({ audio: true });
			sendFrame({ type: 'call_permission', callId: callId, granted: true });
			return stream;
		} catch (e) {
			sendFrame({ type: 'call_permission', callId: callId, granted: false });
			showError(T.micDenied);
			return null;
		}
	}

	function peer(c) {
		var pc = new RTCPeerConnection({ iceServers: iceServers });
		c.pc = pc;
		c.stream.getTracks().forEach(function (t) { pc.addTrack(t, c.stream); });
		pc.ontrack = function (ev) { callAudio.srcObject = ev.streams[0] || new MediaStream([ev.track]); };
		pc.onconnectionstatechange = function () { if (pc.connectionState === 'failed' && call === c) { sendFrame({ type: 'call_hangup', callId: c.id }); endCall(T.callFailed); } };
		return pc;
	}

	function gathered(pc) {
		return new Promise(function (resolve) {
			if (pc.iceGatheringState === 'complete') return resolve();
			var t = setTimeout(resolve, 3000);
			pc.addEventListener('icegatheringstatechange', function () { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } });
		});
	}

	function connected(c) {
		if (c.connectedAt) return;
		c.connectedAt = Date.now();
		callState(T.callConnected, 'connected');
		tick();
		c.timer = setInterval(tick, 1000);
	}

	async function startCall() {
		if (call) return;
		showError('');
		var c = { id: 'call-' + newId(), pc: null, stream: null, connectedAt: 0, timer: null };
		call = c;
		callTimer.textContent = '';
		callRec.hidden = true;
		callState(T.calling, 'starting');
		try {
			await ensureSession();
			if (!ws) connect();
			await waitOpen();
		} catch (e) { showError(e.message); return endCall(T.callFailed); }
		c.stream = await micFor(null);
		if (!c.stream) { call = c; return endCall(T.callFailed); }
		if (call !== c) return;
		var pc = peer(c);
		await pc.setLocalDescription(await pc.createOffer());
		await gathered(pc);
		if (call !== c) return;
		sendFrame({ type: 'call_start', callId: c.id, sdp: pc.localDescription.sdp });
		callState(T.calling, 'ringing');
	}

	async function acceptCall() {
		var c = call;
		if (!c || !c.offer) return;
		callState(T.callConnected, 'starting');
		c.stream = await micFor(c.id);
		if (!c.stream) { sendFrame({ type: 'call_hangup', callId: c.id }); return endCall(T.callFailed); }
		var pc = peer(c);
		await pc.setRemoteDescription({ type: 'offer', sdp: c.offer });
		await pc.setLocalDescription(await pc.createAnswer());
		await gathered(pc);
		if (call !== c) return;
		sendFrame({ type: 'call_accept', callId: c.id, sdp: pc.localDescription.sdp });
	}

	function onCallFrame(msg) {
		if (msg.type === 'call_config') {
			iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
			if (callBtn) callBtn.hidden = !msg.enabled;
			return;
		}
		if (msg.type === 'call_incoming') {
			if (call) return;
			call = { id: msg.callId, offer: msg.sdp, pc: null, stream: null, connectedAt: 0, timer: null };
			callTimer.textContent = '';
			callRec.hidden = true;
			callState((msg.agent || 'Support') + T.incoming, 'incoming');
			return;
		}
		if (!call || msg.callId !== call.id) return;
		if (msg.type === 'call_answer') {
			if (call.pc) call.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }).catch(function () { endCall(T.callFailed); });
		} else if (msg.type === 'call_recorded') {
			callRec.hidden = false;
		} else if (msg.type === 'call_state') {
			if (msg.status === 'answered') connected(call);
			else if (msg.status === 'ended') endCall(msg.reason === 'max_duration' ? T.callMax : T.callEnded);
			else if (msg.status === 'missed') endCall(T.callMissed);
			else if (msg.status === 'failed') endCall(T.callFailed);
		}
	}

	if (callBtn) callBtn.addEventListener('click', function () { startCall().catch(function (e) { showError(e.message); endCall(T.callFailed); }); });
	callAccept.addEventListener('click', function () { acceptCall().catch(function (e) { showError(e.message); endCall(T.callFailed); }); });
	callHangup.addEventListener('click', function () {
		if (!call) return;
		sendFrame({ type: 'call_hangup', callId: call.id });
		endCall(T.callEnded);
	});
	window.addEventListener('pagehide', function () { if (call) sendFrame({ type: 'call_hangup', callId: call.id }); });

	if (token) connect();
	else if (pending.length) ensureSession().then(connect, function (e) { showError(e.message); });
	else setConn('idle');
})();
