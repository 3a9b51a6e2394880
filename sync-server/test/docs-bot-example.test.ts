// SPEC S5.8, S6.1, S9.1: the bot example of docs/protocol.md runs as written. It logs in over
// HTTP, joins a contact over /yjs with a stock y-websocket provider, shows typing and posts an
// internal comment; an agent's /sync client sees the bot typing (as the bot of the user whose
// token it uses) and then the comment in the contact's thread. The doc includes the example
// verbatim: its code block must equal docs/examples/bot.ts.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { parseDocId } from '../../src/lib/domain/ids';
import { decodeServerFrame } from '../../src/lib/protocol';
import { readAwarenessUpdate, type AwarenessObject as AwarenessState } from '../../src/lib/protocol/awareness';
import { runBot } from '../../docs/examples/bot';
import { login, SyncClient, waitFor } from './helpers/sync-client';
import { startTestServer } from './helpers/server';

const root = new URL('../../', import.meta.url);

describe('docs: the bot example', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	it('is included verbatim in docs/protocol.md', () => {
		const file = readFileSync(new URL('docs/examples/bot.ts', root), 'utf8');
		const doc = readFileSync(new URL('docs/protocol.md', root), 'utf8');
		const block = /<!-- example: docs\/examples\/bot\.ts -->\n```ts\n([\s\S]*?)```/.exec(doc);
		expect(block, 'docs/protocol.md has a ```ts block after <!-- example: docs/examples/bot.ts -->').not.toBeNull();
		expect(block![1]).toBe(file);
	});

	it('joins a contact, types and posts a comment that an agent sees', async () => {
		const server = await startTestServer();
		cleanups.push(() => server.destroy());
		const ana = await login(server.url, 'ana@demo.test');
		const agent = new SyncClient({ url: server.url, token: ana.accessToken, recordFrames: true });
		cleanups.push(() => agent.close());
		await agent.connect();
		const docId = [...server.visibility.contactDocIds()][0]!;
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') throw new Error('not a contact');

		const bot = await runBot({ url: server.url, email: 'manager@demo.test', password: 'parley-demo', contactId: parsed.contactId, text: 'Refund approved, see order 4711.' });
		cleanups.push(() => bot.stop());

		await waitFor(() => contactDoc(agent.doc(docId)).thread.entries().some((e) => e.id === bot.entryId), 20_000, 'the agent sees the comment');
		const entry = contactDoc(agent.doc(docId)).thread.entries().find((e) => e.id === bot.entryId);
		expect(entry).toMatchObject({ kind: 'comment', text: 'Refund approved, see order 4711.', author: { type: 'user', id: 'u-marc' } });

		const states = (): AwarenessState[] =>
			agent.traffic.frames.flatMap(({ bytes }) => {
				const d = decodeServerFrame(bytes);
				if (!d.ok || d.msg.type !== 'awareness' || d.msg.docId !== docId) return [];
				return (readAwarenessUpdate(d.msg.update, 'object') ?? []).flatMap((e) => (e.state ? [e.state] : []));
			});
		await waitFor(() => states().some((s) => s.typing != null), 20_000, 'the agent sees the bot typing');
		expect(states().find((s) => s.typing != null)).toMatchObject({ user: { kind: 'bot', id: 'u-marc' }, typing: { composer: 'comment' } });
	});
});
