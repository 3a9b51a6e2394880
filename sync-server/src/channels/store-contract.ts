/**
 * The channels' part of the `Store` contract (visitor sessions, inbound idempotency, contact
 * keys, outbox), run against every adapter beside `persistence/contract.ts`. The outbox rows
 * must survive a reopen: that is what makes outbound delivery survive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ContactId, DocId } from '../../../src/lib/domain/types';
import type { StoreFactory, StoreLocation } from '../persistence/contract';
import type { OutboxRow, Store } from '../persistence/store';

const cid = (s: string) => s as ContactId;
const doc = (s: string) => s as DocId;

function row(entryId: string, nextAt: number, docId = 'c/a'): OutboxRow {
	return {
		docId: doc(docId),
		entryId,
		channelId: 'ch-hook',
		payload: JSON.stringify({ entryId }),
		state: 'pending',
		attempts: 0,
		nextAt,
		lastError: null,
		createdAt: 1,
		updatedAt: 1
	};
}

export function channelsStoreContract(name: string, factory: StoreFactory): void {
	describe(`Store contract (channels): ${name}`, () => {
		const cleanups: Array<() => Promise<void>> = [];
		afterEach(async () => {
			for (const c of cleanups.splice(0).reverse()) await c();
		});
		async function fresh(): Promise<{ store: Store; location: StoreLocation; reopen(): Promise<Store> }> {
			const location = await factory();
			let store = await location.open();
			cleanups.push(async () => {
				await store.close();
				await location.destroy();
			});
			return {
				store,
				location,
				async reopen() {
					await store.close();
					store = await location.open();
					return store;
				}
			};
		}

		it('ChannelRecords: stores visitor sessions by token hash', async () => {
			const { store } = await fresh();
			expect(await store.getVisitorSession('h1')).toBeNull();
			await store.putVisitorSession({ tokenHash: 'h1', channelId: 'ch-chat', contactId: cid('c1'), name: 'Zoé', createdAt: 5 });
			expect(await store.getVisitorSession('h1')).toEqual({ tokenHash: 'h1', channelId: 'ch-chat', contactId: 'c1', name: 'Zoé', createdAt: 5 });
		});

		it('ChannelRecords: claims an inbound message id once per channel', async () => {
			const { store } = await fresh();
			const rec = { channelId: 'ch-hook', messageId: 'm1', contactId: cid('c1'), entryId: 'e1', createdContact: true, at: 7 };
			expect(await store.claimInbound(rec)).toEqual({ record: rec, existed: false });
			const again = await store.claimInbound({ ...rec, contactId: cid('c2'), entryId: 'e2', createdContact: false });
			expect(again).toEqual({ record: rec, existed: true });
			// Message ids are scoped to their channel.
			expect((await store.claimInbound({ ...rec, channelId: 'ch-other' })).existed).toBe(false);
		});

		it('ChannelRecords: replaces a contact keys of the given kinds and finds contacts by key', async () => {
			const { store } = await fresh();
			await store.setContactKeys(cid('c1'), ['phone', 'email'], [
				{ kind: 'phone', value: '+331' },
				{ kind: 'email', value: 'a@x.test' }
			]);
			await store.setContactKeys(cid('c1'), ['ext:ch-hook'], [{ kind: 'ext:ch-hook', value: 'X1' }]);
			expect(await store.findContactByKey('phone', '+331')).toBe('c1');
			expect(await store.findContactByKey('ext:ch-hook', 'X1')).toBe('c1');
			await store.setContactKeys(cid('c1'), ['phone', 'email'], [{ kind: 'phone', value: '+332' }]);
			expect(await store.findContactByKey('phone', '+331')).toBeNull();
			expect(await store.findContactByKey('email', 'a@x.test')).toBeNull();
			expect(await store.contactKeys(cid('c1'))).toEqual([
				{ kind: 'ext:ch-hook', value: 'X1' },
				{ kind: 'phone', value: '+332' }
			]);
			// A key belongs to one contact: the latest writer takes it.
			await store.setContactKeys(cid('c2'), ['phone'], [{ kind: 'phone', value: '+332' }]);
			expect(await store.findContactByKey('phone', '+332')).toBe('c2');
		});

		it('ChannelOutbox: keeps outbox rows across a reopen, inserts each entry once and lists due rows in order', async () => {
			const { store, reopen } = await fresh();
			expect(await store.enqueueOutbox(row('e2', 20))).toBe(true);
			expect(await store.enqueueOutbox(row('e1', 10))).toBe(true);
			expect(await store.enqueueOutbox(row('e1', 99))).toBe(false);
			expect(await store.enqueueOutbox(row('e1', 5, 'c/b'))).toBe(true);
			const s2 = await reopen();
			expect((await s2.dueOutbox(15, 10)).map((r) => `${r.docId}:${r.entryId}`)).toEqual(['c/b:e1', 'c/a:e1']);
			expect(await s2.nextOutboxAt()).toBe(5);
			await s2.updateOutbox(doc('c/a'), 'e1', { state: 'sent', attempts: 1, lastError: null, updatedAt: 30 });
			await s2.updateOutbox(doc('c/b'), 'e1', { attempts: 2, nextAt: 50, lastError: 'HTTP 500: down' });
			expect(await s2.getOutbox(doc('c/a'), 'e1')).toMatchObject({ state: 'sent', attempts: 1, updatedAt: 30, nextAt: 10 });
			expect(await s2.getOutbox(doc('c/b'), 'e1')).toMatchObject({ state: 'pending', attempts: 2, nextAt: 50, lastError: 'HTTP 500: down' });
			expect((await s2.dueOutbox(1000, 10)).map((r) => r.entryId)).toEqual(['e2', 'e1']);
			expect(await s2.findOutbox('ch-hook', 'e2')).toMatchObject({ docId: 'c/a', entryId: 'e2' });
			expect(await s2.findOutbox('ch-else', 'e2')).toBeNull();
			expect(await s2.getOutbox(doc('c/z'), 'e1')).toBeNull();
		});

		it('ChannelOutbox: of two claims on one due row, one wins; a claimed row is due again when its claim runs out', async () => {
			const { store } = await fresh();
			await store.enqueueOutbox(row('e1', 10));
			const [seen] = await store.dueOutbox(10, 10);
			const claims = await Promise.all([store.claimOutbox(doc('c/a'), 'e1', seen!.nextAt, 500), store.claimOutbox(doc('c/a'), 'e1', seen!.nextAt, 600)]);
			expect(claims.filter(Boolean)).toHaveLength(1);
			expect(await store.dueOutbox(499, 10)).toEqual([]);
			expect((await store.dueOutbox(600, 10)).map((r) => r.entryId)).toEqual(['e1']);
			await store.updateOutbox(doc('c/a'), 'e1', { state: 'sent' });
			expect(await store.claimOutbox(doc('c/a'), 'e1', (await store.getOutbox(doc('c/a'), 'e1'))!.nextAt, 900)).toBe(false);
		});
	});
}
