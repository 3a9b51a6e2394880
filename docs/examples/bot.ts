/**
 * A Parley bot with a stock y-websocket provider: it logs in over HTTP, joins one contact's
 * document over `/yjs`, shows "typing" to the agents, posts an internal comment and stops typing.
 * Needs only `yjs`, `y-websocket` and (in Node) `ws`. Run it against `npm start`:
 *
 *   PARLEY_CONTACT=<contactId> npx tsx docs/examples/bot.ts
 *
 * (PARLEY_URL, PARLEY_EMAIL, PARLEY_PASSWORD default to the demo; docs/protocol.md explains
 * every line. The test suite runs this file: sync-server/test/docs-bot-example.test.ts.)
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export interface BotOptions {
	url: string;
	email: string;
	password: string;
	contactId: string;
	text: string;
}

export async function runBot(o: BotOptions): Promise<{ entryId: string; stop: () => void }> {
	// 1. Log in: the bot acts with this user's rights and is shown as this user's bot.
	const res = await fetch(`${o.url}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email: o.email, password: o.password })
	});
	if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
	const { accessToken, user } = (await res.json()) as { accessToken: string; user: { id: string; name: string } };

	// 2. Join the contact's document `c/<contactId>` (URL-encoded as the room name).
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(`${o.url.replace(/^http/, 'ws')}/yjs`, encodeURIComponent(`c/${o.contactId}`), doc, {
		WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
		params: { token: accessToken },
		disableBc: true
	});
	provider.on('connection-close', (event) => event && event.code !== 1000 && console.error(`closed ${event.code}: ${event.reason}`));
	if (!provider.synced) await new Promise<void>((resolve) => provider.once('sync', () => resolve()));

	// 3. Typing: an awareness state naming the token's user as `kind: 'bot'`.
	provider.awareness.setLocalState({ user: { kind: 'bot', id: user.id, name: user.name }, typing: { composer: 'comment', at: Date.now() } });

	// 4. The comment: one plain object in the `thread` map, under its own id, authored by the user.
	const entryId = `bot-${crypto.randomUUID()}`;
	doc.getMap('thread').set(entryId, { id: entryId, kind: 'comment', at: Date.now(), author: { type: 'user', id: user.id }, text: o.text, mentions: [] });

	// 5. Done typing.
	provider.awareness.setLocalStateField('typing', null);
	return { entryId, stop: () => (provider.destroy(), doc.destroy()) };
}

if (process.argv[1]?.endsWith('bot.ts')) {
	const env = process.env;
	const bot = await runBot({
		url: env.PARLEY_URL ?? 'http://127.0.0.1:8787',
		email: env.PARLEY_EMAIL ?? 'manager@demo.test',
		password: env.PARLEY_PASSWORD ?? 'parley-demo',
		contactId: env.PARLEY_CONTACT ?? '',
		text: env.PARLEY_TEXT ?? 'Hello from a bot.'
	});
	console.log(`posted ${bot.entryId}`);
	setTimeout(bot.stop, 1000);
}
