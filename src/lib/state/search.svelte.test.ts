// SearchState against a real replica on a memory store (no network): the index follows the
// replica (summaries, new thread entries from any origin), drops a revoked contact at once,
// persists its snapshot and restores it at the next start, keeps recent searches per user.
// SPEC S3.2 S3.5 S3.6 S3.7 S9.2 (offline: no connection at all) S1.9 (revocation).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { generateWorkspace } from '../demo/generate';
import { contactDoc, summarize } from '../doc';
import { buildContactDoc, buildDirectoryDoc } from '../doc/seed';
import { contactDocId, DIR_DOC_ID } from '../domain/ids';
import type { ChannelId, ContactId, EntryId, User } from '../domain/types';
import type { BootstrapText } from '../protocol/bootstrap';
import { SearchClient } from '../search/client';
import { SearchHost } from '../search/host';
import type { Port, WorkerReply, WorkerRequest } from '../search/protocol';
import { createMemoryStore } from '../storage/memory';
import type { ClientStore } from '../storage/store';
import { sliceOf } from '../search/slices';
import { Replica } from '../sync/replica';
import { SearchState } from './search.svelte';
import { waitFor } from '../test-utils/wait';

async function seededStore() {
	const ws = generateWorkspace({ seed: 3, contacts: 40, messagesPerContact: 6, now: 1_750_000_000_000 });
	const store = createMemoryStore();
	await store.appendUpdate(DIR_DOC_ID, Y.encodeStateAsUpdate(buildDirectoryDoc(ws.directory)));
	for (const c of ws.contacts) {
		const doc = buildContactDoc(c);
		await store.appendUpdate(contactDocId(c.id), Y.encodeStateAsUpdate(doc));
		await store.putSummary(summarize(c.id, doc));
	}
	return { ws, store };
}

async function open(store: ClientStore, user: User) {
	const replica = new Replica({ store });
	await replica.open();
	const dir = await replica.directory();
	const search = new SearchState({ summary: (id) => replica.summaries.get(id) });
	const detach = search.attach(replica, user, dir);
	return { replica, search, detach };
}

async function results(search: SearchState, q: string) {
	search.setQuery(q);
	await waitFor(() => search.results.query === q, 20_000, `results for ${q}`);
	return search.results;
}

/** A search worker in this process (a MessageChannel to a SearchHost) that records every request the page posts to it. */
function recordingWorker() {
	const posted: WorkerRequest[] = [];
	const spawn = () => {
		const { port1, port2 } = new MessageChannel();
		const host = new SearchHost((reply) => port2.postMessage(reply));
		port2.onmessage = (ev: MessageEvent<WorkerRequest>) => host.handle(ev.data);
		const port = {
			postMessage: (req: WorkerRequest, transfer?: Transferable[]) => {
				posted.push(req);
				port1.postMessage(req, transfer ?? []);
			},
			addEventListener: port1.addEventListener.bind(port1),
			removeEventListener: port1.removeEventListener.bind(port1),
			start: () => port1.start()
		};
		return {
			client: new SearchClient(port as unknown as Port<WorkerReply, WorkerRequest>),
			stop: () => {
				port1.close();
				port2.close();
			}
		};
	};
	return { posted, spawn };
}

describe('SearchState', () => {
	it('indexes the replica, follows new entries and revocations, persists and restores', async () => {
		const { ws, store } = await seededStore();
		const user = ws.directory.users[0]!;
		const a = await open(store, user);
		await waitFor(() => a.search.complete, 20_000, 'indexed');
		const target = ws.contacts[3]!;
		const first = target.profile.firstName;
		// Contacts (S3.2) by the first letters of the first name.
		await waitFor(() => {
			a.search.setQuery(first.slice(0, 3));
			return a.search.results.contacts.some((c) => c.id === target.id);
		}, 20_000, 'contact found');

		// A local reply (offline: this replica has no connection) is found at once.
		const entry = {
			id: 'search-e1' as EntryId,
			kind: 'message' as const,
			at: 1_760_000_000_000,
			direction: 'out' as const,
			channelId: 'ch-webchat' as ChannelId,
			author: { type: 'user' as const, id: user.id },
			body: { type: 'text' as const, text: 'Votre colis zanzibar arrive demain' }
		};
		await a.replica.edit(target.id, (doc) => contactDoc(doc).thread.append(entry));
		await waitFor(() => {
			a.search.setQuery('zanzibar');
			return a.search.results.messages.some((m) => m.entryId === entry.id);
		}, 20_000, 'new entry found');
		const hit = (await results(a.search, 'colis zanzibar')).messages[0]!;
		expect(hit.snippet.highlights.map(([x, y]) => hit.snippet.text.slice(x, y))).toEqual(['colis zanzibar']);
		// S3.6: in-thread search.
		expect((await a.search.searchThread(target.id, 'zanzibar'))?.map((h) => h.entryId)).toEqual([entry.id]);
		// S3.7: recent searches, newest first.
		a.search.remember('zanzibar');
		a.search.remember('colis');
		await waitFor(() => a.search.recent.length === 2, 20_000, 'recent');
		expect(a.search.recent).toEqual(['colis', 'zanzibar']);

		// Revocation: the summary goes, and with it every trace in the index.
		const victim = ws.contacts[5]!;
		const victimText = victim.entries.flatMap((e) => (e.kind === 'message' && !e.broadcast && e.body.text ? [e.body.text] : []))[0];
		a.replica.summaries.forget(victim.id);
		await waitFor(() => {
			a.search.setQuery(victim.profile.lastName);
			return a.search.results.query === victim.profile.lastName && !a.search.results.contacts.some((c) => c.id === victim.id);
		}, 20_000, 'revoked contact gone');
		if (victimText) {
			const r = await results(a.search, victimText);
			expect(r.messages.map((m) => m.contactId)).not.toContain(victim.id);
		}

		// The snapshot is written in the background, slice by slice; the next start restores it.
		let written = false;
		await waitFor(() => {
			void store.loadSearchRows().then((rows) => (written = rows.some((r) => r.key === `search.slice.${sliceOf(target.id)}`)));
			return written;
		}, 20_000, 'snapshot written');
		a.detach();
		await a.replica.close();
		await store.deleteDoc(contactDocId(victim.id));

		const b = await open(store, user);
		await waitFor(() => b.search.complete, 20_000, 'restored');
		expect((await results(b.search, 'zanzibar')).messages.map((m) => m.entryId)).toEqual([entry.id]);
		expect((await results(b.search, victim.profile.lastName)).contacts.map((c) => c.id)).not.toContain(victim.id);
		expect(b.search.recent).toEqual(['colis', 'zanzibar']);
		b.detach();
		await b.replica.close();
	});

	// Issue 16, SPEC S3.3: a custom field edited in this session is searchable at once, not only
	// after the next login (its thread was indexed before the edit, and nothing new was written in it).
	it('finds a custom field value edited after the contact was indexed', async () => {
		const { ws, store } = await seededStore();
		const a = await open(store, ws.directory.users[0]!);
		await waitFor(() => a.search.complete, 20_000, 'indexed');
		const target = ws.contacts.find((c) => typeof c.profile.custom.company === 'string')!;
		const old = String(target.profile.custom.company);
		// Its thread has been indexed from the document: its custom value is found.
		await waitFor(() => {
			a.search.setQuery(old);
			return a.search.results.query === old && a.search.results.contacts.some((c) => c.id === target.id);
		}, 20_000, 'thread indexed');
		const company = 'Quincaillerie Zéphyrine';
		const before = await results(a.search, company);
		expect(before.contacts.map((c) => c.id)).not.toContain(target.id);
		await a.replica.edit(target.id, (doc) => {
			const c = contactDoc(doc);
			c.profile.patch({ custom: { ...c.profile.get().custom, company } });
		});
		await waitFor(() => {
			a.search.setQuery(company.toUpperCase());
			return a.search.results.query === company.toUpperCase() && a.search.results.contacts.some((c) => c.id === target.id);
		}, 5_000, 'edited custom field found');
		a.detach();
		await a.replica.close();
	});

	// Issue 26, SPEC S3.5: the message index is stored in slices of threads, one write each; a page
	// closed in the middle of a save keeps the slices written so far, and the next start restores
	// them and reads from their documents only the threads of the slices that were not stored.
	it('a save interrupted after a few slices: the next start restores them and indexes only the other threads', async () => {
		const { ws, store } = await seededStore();
		const user = ws.directory.users[0]!;
		const put = store.putSearchRows.bind(store);
		let written = 0;
		let closed = false;
		let a: Awaited<ReturnType<typeof open>> | null = null;
		store.putSearchRows = async (rows) => {
			if (closed) throw new Error('closed');
			await put(rows);
			if (rows.some((r) => r.key.startsWith('search.slice.')) && ++written === 3) {
				// The page goes away right after its third slice is stored.
				closed = true;
				a?.detach();
			}
		};
		a = await open(store, user);
		await waitFor(() => closed, 30_000, 'three slices stored');
		await a.replica.close();
		store.putSearchRows = put;

		const rows = (await store.loadSearchRows()).filter((r) => r.key.startsWith('search.slice.'));
		expect(rows).toHaveLength(3);
		const inStored = new Map<string, number>();
		for (const r of rows) for (const [id, mark] of JSON.parse((r.value as { marks: string }).marks) as Array<[string, number]>) inStored.set(id, mark);

		const replica = new Replica({ store });
		await replica.open();
		const read = new Set<string>();
		const contact = replica.contact.bind(replica);
		replica.contact = (id) => {
			read.add(id);
			return contact(id);
		};
		const search = new SearchState({ summary: (id) => replica.summaries.get(id) });
		search.attach(replica, user, await replica.directory());
		// Threads stored with their newest change are restored, not read again.
		const current = ws.contacts.filter((c) => (inStored.get(c.id) ?? -1) >= (replica.summaries.get(c.id)?.updatedAt ?? Infinity));
		const others = ws.contacts.filter((c) => !inStored.has(c.id));
		expect(current.length).toBeGreaterThan(0);
		expect(others.length).toBeGreaterThan(0);
		await waitFor(() => others.every((c) => read.has(c.id)), 30_000, 'threads of the missing slices indexed');
		expect(current.filter((c) => read.has(c.id)).map((c) => c.id)).toEqual([]);
		// Both kinds of thread are searchable: a message of each is found.
		for (const c of [current[0]!, others[0]!]) {
			const text = c.entries.flatMap((e) => (e.kind === 'message' && !e.broadcast && e.body.type === 'text' && e.body.text ? [e.body.text] : []))[0];
			if (!text) continue;
			const r = await results(search, text);
			expect(r.messages.map((m) => m.contactId)).toContain(c.id);
		}
		search.detach();
		await replica.close();
	});

	// Issue 26 (SPEC S3.5, S9.2): saving the index (one worker task per part, tens of ms each at a
	// million messages) waits while the person searches, so answers never queue behind an export.
	it('holds the save while queries come, and saves once they stop', async () => {
		const { ws, store } = await seededStore();
		const { posted, spawn } = recordingWorker();
		const replica = new Replica({ store });
		await replica.open();
		const search = new SearchState({ summary: (id) => replica.summaries.get(id), spawn });
		const detach = search.attach(replica, ws.directory.users[0]!, await replica.directory());
		await waitFor(() => search.complete, 20_000, 'indexed');
		const exports = () => posted.filter((r) => r.type === 'exportSlice' || r.type === 'exportContacts').length;
		const before = exports();
		// A person searching for 7 s (past the 4 s after which the save starts): no export meanwhile.
		const words = ['ord', 'order', 'ship', 'thanks', 'hello', 'track'];
		const until = performance.now() + 7_000;
		for (let i = 0; performance.now() < until; i++) {
			search.setQuery(words[i % words.length]!);
			await new Promise((r) => setTimeout(r, 250));
		}
		expect(exports()).toBe(before);
		// Quiet: the save goes on.
		await waitFor(() => exports() > before, 15_000, 'the save resumed');
		detach();
		await replica.close();
	}, 60_000);

	// Issue 16: the dropdown lists a few contacts, says how many match, and can list them all.
	it('counts every matching contact and lists them all on request', async () => {
		const { ws, store } = await seededStore();
		const a = await open(store, ws.directory.users[0]!);
		await waitFor(() => a.search.complete, 20_000, 'indexed');
		const r = await results(a.search, '+3');
		expect(r.contacts.length).toBe(8);
		expect(r.contactsTotal).toBeGreaterThan(8);
		const total = r.contactsTotal;
		a.search.showAllContacts();
		await waitFor(() => a.search.results.contacts.length === total, 20_000, 'all contacts listed');
		// A new search starts short again.
		expect((await results(a.search, '+33')).contacts.length).toBeLessThanOrEqual(8);
		a.detach();
		await a.replica.close();
	});

	// Issue 26 (SPEC S3.2, S9.2): a first login hands the search 50,000 summaries; each batch of
	// summary changes reaches the worker as one message, not one per contact (one each was most of
	// a second of the page's time at 50k), and the contacts are searchable as before.
	it('sends the contacts of a batch of summary changes to the worker in one message', async () => {
		const { ws, store } = await seededStore();
		const { posted, spawn } = recordingWorker();
		const replica = new Replica({ store });
		await replica.open();
		const dir = await replica.directory();
		const search = new SearchState({ summary: (id) => replica.summaries.get(id), spawn });
		const detach = search.attach(replica, ws.directory.users[0]!, dir);
		await waitFor(() => search.complete, 20_000, 'indexed');
		// Contacts fed from summaries (not a thread indexed from its document, which brings custom fields).
		const fromSummaries = () =>
			posted.flatMap((r) => (r.type === 'upsertContacts' ? [r.contacts.length] : r.type === 'upsertContact' && r.keepCustom ? [1] : []));
		// The cold start's 40 summaries: one message, and the contacts are searchable.
		expect(fromSummaries()[0]).toBe(ws.contacts.length);
		const target = ws.contacts[7]!;
		await waitFor(() => {
			search.setQuery(target.profile.firstName.slice(0, 3));
			return search.results.contacts.some((c) => c.id === target.id);
		}, 20_000, 'a contact found');
		// 30 contacts renamed at once (a bulk change, as a first login's batches): one more message.
		const before = fromSummaries().length;
		const renamed = ws.contacts.slice(0, 30).map((c) => ({ ...replica.summaries.get(c.id)!, firstName: `Quokka${c.id.slice(0, 4)}` }));
		replica.summaries.putMany(renamed);
		await waitFor(() => fromSummaries().length > before, 10_000, 'the batch posted');
		expect(fromSummaries().slice(before)[0]).toBe(renamed.length);
		detach();
		await replica.close();
	});

	// Issue 26 (SPEC S3.5, S9.2): the bootstrap's searchable text of a chunk (hundreds of
	// contacts) reaches the worker in one message (one per contact: 50,000 at 50k), searchable.
	it('sends the bootstrap text of one chunk to the worker in one message', async () => {
		const { ws, store } = await seededStore();
		const { posted, spawn } = recordingWorker();
		const replica = new Replica({ store });
		await replica.open();
		// The bootstrap's text part, as the replica reports it per contact of a chunk.
		let text: ((id: ContactId, rows: BootstrapText) => void) | null = null;
		replica.onBootstrapText = (fn) => {
			text = fn;
			return () => (text = null);
		};
		const dir = await replica.directory();
		const search = new SearchState({ summary: (id) => replica.summaries.get(id), spawn });
		const detach = search.attach(replica, ws.directory.users[0]!, dir);
		await waitFor(() => search.complete, 20_000, 'indexed');
		const contacts = ws.contacts.slice(0, 20);
		contacts.forEach((c, i) => text!(c.id, [[`boot-${i}`, 1_760_000_000_000 + i, 0, `wombat parcel number ${i}`]]));
		await waitFor(() => posted.some((r) => r.type === 'addRows'), 10_000, 'rows posted');
		const batches = posted.filter((r): r is Extract<WorkerRequest, { type: 'addRows' }> => r.type === 'addRows');
		expect(batches.map((b) => b.rows.length)).toEqual([contacts.length]);
		await waitFor(() => {
			search.setQuery('wombat');
			return search.results.messages.length === contacts.length;
		}, 20_000, 'the rows searchable');
		detach();
		await replica.close();
	});
});
