// The worker protocol over a real MessageChannel: SearchClient on one port, SearchHost on the
// other (what worker.ts wires to the worker global). SPEC S3.5 S3.6 S9.3.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { ChannelId, ContactId, Entry, EntryId } from '../domain/types';
import { SearchClient } from './client';
import { SearchEngine } from './engine';
import { FIXTURE_FIELDS, fixtureWorkspace } from './fixtures';
import { SearchHost } from './host';
import type { Port, WorkerReply, WorkerRequest } from './protocol';
import { engineFromSnapshot, exportSnapshot, parseContacts } from './snapshot';

const ports: MessagePort[] = [];
afterEach(() => {
	for (const p of ports.splice(0)) p.close();
});

function connect(): SearchClient {
	const { port1, port2 } = new MessageChannel();
	ports.push(port1, port2);
	const host = new SearchHost((reply) => port2.postMessage(reply));
	port2.on('message', (req: WorkerRequest) => host.handle(req));
	return new SearchClient(port1 as unknown as Port<WorkerReply, WorkerRequest>);
}

function message(id: string, text: string, at: number): Entry {
	return {
		id: id as EntryId,
		kind: 'message',
		at,
		direction: 'in',
		channelId: 'ch' as ChannelId,
		author: { type: 'contact', id: 'c1' },
		body: { type: 'text', text }
	};
}

describe('SearchClient <-> SearchHost', () => {
	it('forwards updates in order and answers queries', async () => {
		const client = connect();
		expect(await client.load(null, [])).toEqual({ status: 'loaded', badSlices: [] });
		const c1 = 'c1' as ContactId;
		client.upsertContact({ id: c1, firstName: 'Carlos', lastName: 'Mendez', phone: '', email: '' });
		client.addEntries(c1, [message('e1', 'le renard brun', 1), message('e2', 'un autre renard', 2)]);
		const contacts = await client.query('car', { scope: 'contacts' });
		expect(contacts.status === 'done' && contacts.results.hits.map((h) => h.contactId)).toEqual(['c1']);
		const msgs = await client.query('renard', { scope: 'messages' });
		expect(msgs.status === 'done' && msgs.results.hits.map((h) => h.entryId)).toEqual(['e2', 'e1']);
		const thread = await client.query('renard', { scope: 'thread', contactId: c1 });
		expect(thread.status === 'done' && thread.results.hits.map((h) => h.entryId)).toEqual(['e1', 'e2']);
		client.removeEntry('e2' as EntryId);
		const after = await client.query('renard', { scope: 'messages' });
		expect(after.status === 'done' && after.results.hits.map((h) => h.entryId)).toEqual(['e1']);
		client.removeContact(c1);
		const gone = await client.query('renard', { scope: 'messages' });
		expect(gone.status === 'done' && gone.results.hits).toEqual([]);
		client.dispose();
	});

	it('a newer query in a lane supersedes older ones; other lanes are untouched', async () => {
		const client = connect();
		await client.load(null, []);
		client.addEntries('c1' as ContactId, [message('e1', 'renard rapide', 1)]);
		const typed = ['ren', 'rena', 'renar', 'renard'];
		const pending = typed.map((t) => client.query(t, { scope: 'messages' }));
		const other = client.query('rapide', { scope: 'thread', contactId: 'c1' as ContactId });
		const outcomes = await Promise.all(pending);
		expect(outcomes.slice(0, 3).map((o) => o.status)).toEqual(['superseded', 'superseded', 'superseded']);
		const last = outcomes[3]!;
		expect(last.status === 'done' && last.results.hits.map((h) => h.entryId)).toEqual(['e1']);
		expect((await other).status).toBe('done');
		client.dispose();
	});

	it('cold start: contacts are ready first, messages after, from a snapshot', async () => {
		const ws = fixtureWorkspace(5, 300, 40);
		const engine = new SearchEngine({ customFields: FIXTURE_FIELDS });
		for (const { contact, entries } of ws) {
			engine.upsertContact(contact);
			engine.addEntries(contact.id, entries);
		}
		const client = connect();
		let contactsReadyFirst = false;
		let messagesReady = false;
		// The text table restores in slices: the path where changes interleave with the restore.
		const loaded = client.load(exportSnapshot(engine, 'text-table'), [], () => {
			contactsReadyFirst = !messagesReady;
		});
		// A removal arriving mid-restore must stick even if a later slice held that row.
		const victim = ws.find((w) => w.entries.some((e) => e.kind === 'comment'))!;
		client.removeContact(victim.contact.id);
		expect(await loaded).toEqual({ status: 'loaded', badSlices: [] });
		messagesReady = true;
		expect(contactsReadyFirst).toBe(true);
		engine.removeContact(victim.contact.id);
		for (const q of ['renard', 'brun rapide', '@gmail', '016 014', 'car']) {
			const o = await client.query(q, { scope: 'messages', limit: 1000 });
			expect(o.status === 'done' && o.results.hits.map((h) => h.entryId), q).toEqual(engine.searchMessages(q, 1000).hits.map((h) => h.entryId));
		}
		client.dispose();
	});

	it('cold start in two parts: changes made before the messages part arrives survive its restore', async () => {
		const ws = fixtureWorkspace(7, 80, 20);
		const engine = new SearchEngine({ customFields: FIXTURE_FIELDS });
		for (const { contact, entries } of ws) {
			engine.upsertContact(contact);
			engine.addEntries(contact.id, entries);
		}
		const snap = exportSnapshot(engine, 'index-json');
		const client = connect();
		let release: (m: Uint8Array[]) => void = () => undefined;
		const slices = new Promise<Uint8Array[]>((r) => (release = r));
		let contactsReady = false;
		const loaded = client.load({ contacts: snap.contacts, slices }, [], () => (contactsReady = true));
		const first = ws[0]!;
		const early = await client.query(first.contact.firstName, { scope: 'contacts', limit: 1000 });
		expect(contactsReady).toBe(true);
		expect(early.status === 'done' && early.results.hits.map((h) => h.contactId)).toContain(first.contact.id);
		// Before the messages part: a revocation and a new message elsewhere.
		const victim = ws.find((w) => w.entries.length > 0 && w !== first)!;
		client.removeContact(victim.contact.id);
		engine.removeContact(victim.contact.id);
		const fresh = message('fresh-1', 'le zèbre arrive', 2_000_000_000_000);
		client.addEntries(first.contact.id, [fresh]);
		engine.addEntries(first.contact.id, [fresh]);
		release(snap.slices);
		expect(await loaded).toEqual({ status: 'loaded', badSlices: [] });
		for (const q of ['zebre', 'renard', '@gmail', '016 014', victim.contact.firstName]) {
			const o = await client.query(q, { scope: 'messages', limit: 1000 });
			expect(o.status === 'done' && o.results.hits.map((h) => h.entryId), q).toEqual(engine.searchMessages(q, 1000).hits.map((h) => h.entryId));
		}
		client.dispose();
	});

	it('a bad snapshot is reported as a typed failure', async () => {
		const client = connect();
		const outcome = await client.load({ version: 0 } as never, []);
		expect(outcome).toMatchObject({ status: 'failed', error: { code: 'bad-snapshot' } });
		client.dispose();
	});

	it('exports a snapshot through the worker', async () => {
		const client = connect();
		await client.load(null, FIXTURE_FIELDS);
		client.upsertContact({ id: 'c9' as ContactId, firstName: 'Zoé', lastName: '', phone: '', email: '' });
		const snap = await client.exportSnapshot();
		const contacts = parseContacts(snap.contacts);
		if ('code' in contacts) throw new Error(contacts.message);
		expect(contacts.format).toBe('index-json');
		const restored = engineFromSnapshot(snap);
		if ('code' in restored) throw new Error(restored.message);
		expect(restored.searchContacts('zoe').map((h) => h.contactId)).toEqual(['c9']);
		client.dispose();
	});
});
