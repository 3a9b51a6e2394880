// SPEC S5.14: a reply whose files wait for the connection is written only once every file is
// stored, once, under the id it was queued with; a refused file stops it with the reason.
import { describe, expect, it } from 'vitest';
import type { Attachment, ChannelId, ContactId, EmailMeta, EntryId, UserId } from '../domain/types';
import type { MediaApi, UploadOutcome } from './api';
import { FileOutbox, type QueuedMessage, type QueueStore } from './file-outbox.svelte';

function memoryStore(): QueueStore & { rows: Map<string, QueuedMessage> } {
	const rows = new Map<string, QueuedMessage>();
	return { rows, all: async () => [...rows.values()], put: async (m) => void rows.set(m.id, m), delete: async (id) => void rows.delete(id) };
}

function setup(answer: (name: string) => UploadOutcome) {
	const sent: Array<{ id: EntryId; attachments: Attachment[]; email?: EmailMeta }> = [];
	const store = memoryStore();
	const media: MediaApi = {
		linkPreview: async () => null,
		fileUrl: async () => null,
		upload: async (file) => answer(file.name)
	};
	const outbox = new FileOutbox({
		media,
		user: () => 'u-ana' as UserId,
		send: async (_c, input) => {
			sent.push({ id: input.id, attachments: input.attachments, ...(input.email ? { email: input.email } : {}) });
			return { ok: true };
		},
		open: async () => store
	});
	const msg: QueuedMessage = {
		id: 'e1' as EntryId,
		userId: 'u-ana' as UserId,
		contactId: 'c1' as ContactId,
		channelId: 'ch' as ChannelId,
		text: 'the form',
		attachments: [],
		files: [{ name: 'a.pdf', type: 'application/pdf', blob: new Blob(['a']) }, { name: 'b.pdf', type: 'application/pdf', blob: new Blob(['b']) }],
		at: 1
	};
	return { outbox, sent, store, msg };
}

const stored = (name: string): UploadOutcome => ({ ok: true, attachment: { storageName: `s-${name}`, name, size: 1, mime: 'application/pdf' } });

describe('file outbox', () => {
	it('keeps the message while offline, then writes it once with every file', async () => {
		let online = false;
		const { outbox, sent, store, msg } = setup((n) => (online ? stored(n) : { ok: false, error: 'offline', reason: 'offline' }));
		await outbox.queue(msg);
		await outbox.flush();
		expect(sent).toEqual([]);
		expect(store.rows.get('e1')?.files).toHaveLength(2);
		online = true;
		await outbox.flush();
		expect(sent).toEqual([{ id: 'e1', attachments: [stored('a.pdf'), stored('b.pdf')].map((r) => (r.ok ? r.attachment : null)) }]);
		expect(store.rows.size).toBe(0);
		expect(outbox.items).toEqual([]);
		await outbox.flush();
		expect(sent).toHaveLength(1);
		outbox.stop();
	});

	// SPEC S5.12: an email reply queued offline with its files keeps its subject, copies and HTML
	// (it went out as "(no subject)", unthreaded, without its CC).
	it('an email reply waiting for its files is sent with its email part', async () => {
		const { outbox, sent, msg } = setup(stored);
		const email: EmailMeta = { subject: 'Re: Order 42', to: ['lea@customer.test'], cc: ['boss@customer.test'], html: '<p>the form</p>', inReplyTo: '<m1@customer.test>' };
		await outbox.queue({ ...msg, email });
		await outbox.flush();
		expect(sent).toHaveLength(1);
		expect(sent[0]!.email).toEqual(email);
		outbox.stop();
	});

	it('a file uploaded before the connection dropped is not uploaded again; a refused file stops the message', async () => {
		const uploads: string[] = [];
		const { outbox, sent, msg } = setup((n) => {
			uploads.push(n);
			return n === 'b.pdf' ? { ok: false, error: 'b.pdf is larger than 10 MiB', reason: 'refused' } : stored(n);
		});
		await outbox.queue(msg);
		await outbox.flush();
		expect(sent).toEqual([]);
		expect(outbox.items[0]).toMatchObject({ error: 'b.pdf is larger than 10 MiB', attachments: [{ name: 'a.pdf' }] });
		await outbox.flush();
		expect(uploads).toEqual(['a.pdf', 'b.pdf']);
		outbox.stop();
	});

	it('survives a restart: what was queued is loaded and sent', async () => {
		const { outbox, sent, store, msg } = setup(stored);
		store.rows.set(msg.id, msg);
		await outbox.start();
		await outbox.flush();
		expect(sent.map((s) => s.id)).toEqual(['e1']);
		outbox.stop();
	});
});
