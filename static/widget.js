/*
 * Parley web chat widget. Add one tag to any page:
 *
 *   <script src="https://<parley-server>/widget.js" data-channel="<webchat channel id>" async></script>
 *
 * It adds a chat button; the chat itself runs in an iframe served by the Parley server
 * (/chat/<channelId>?embed=1), so it is isolated from the host page: the host's scripts and
 * styles cannot read or alter it, and it cannot touch the host page. The only thing the widget
 * tells the chat is the host page's address, on load and on every navigation (pushState,
 * replaceState, popstate, hashchange), recorded in the conversation as a page change; and
 * whether the chat panel is open (an agent's reply counts as read only while it is).
 */
(function () {
	'use strict';
	var script = document.currentScript;
	if (!script || window.__parleyWidget) return;
	var channel = script.getAttribute('data-channel');
	if (!channel) return;
	var origin;
	try { origin = new URL(script.src).origin; } catch (e) { return; }
	window.__parleyWidget = true;

	var box = document.createElement('div');
	box.setAttribute('data-parley-widget', '');
	box.style.cssText = 'position:fixed;right:20px;bottom:20px;z-index:2147483647;display:flex;flex-direction:column;align-items:flex-end;gap:10px;font:14px system-ui,sans-serif';

	var frame = document.createElement('iframe');
	frame.title = 'Chat';
	frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms');
	frame.setAttribute('allow', 'clipboard-write; microphone; autoplay');
	frame.src = origin + '/chat/' + encodeURIComponent(channel) + '?embed=1&page=' + encodeURIComponent(location.href);
	frame.style.cssText = 'width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 100px);border:0;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.25);background:#fff;display:none';

	var button = document.createElement('button');
	button.type = 'button';
	button.textContent = 'Chat with us';
	button.setAttribute('aria-expanded', 'false');
	button.style.cssText = 'border:0;border-radius:999px;padding:12px 18px;background:#4f46e5;color:#fff;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.2)';

	var isOpen = false;
	var lastUrl = location.href;
	function post(msg) {
		if (frame.contentWindow) frame.contentWindow.postMessage(msg, origin);
	}
	function toggle(open) {
		isOpen = open;
		frame.style.display = open ? 'block' : 'none';
		button.textContent = open ? 'Close chat' : 'Chat with us';
		button.setAttribute('aria-expanded', String(open));
		post({ type: 'parley:open', open: open });
	}
	button.addEventListener('click', function () { toggle(!isOpen); });
	frame.addEventListener('load', function () {
		post({ type: 'parley:page', url: location.href });
		post({ type: 'parley:open', open: isOpen });
	});

	function pageChanged() {
		if (location.href === lastUrl) return;
		lastUrl = location.href;
		post({ type: 'parley:page', url: lastUrl });
	}
	['pushState', 'replaceState'].forEach(function (name) {
		var original = history[name];
		history[name] = function () {
			var out = original.apply(this, arguments);
			pageChanged();
			return out;
		};
	});
	window.addEventListener('popstate', pageChanged);
	window.addEventListener('hashchange', pageChanged);

	box.appendChild(frame);
	box.appendChild(button);
	(document.body || document.documentElement).appendChild(box);
})();
