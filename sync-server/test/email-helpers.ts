/** Test tools of the email tests: a test server with an email channel, SMTP sending from nodemailer, thread reads. */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { contactDoc } from '../../src/lib/doc';
import { contactDocId, parseDocId } from '../../src/lib/domain/ids';
import type { ContactId, DocId, Entry, MessageEntry } from '../../src/lib/domain/types';
import { api } from './channels-helpers';
import type { TestServer } from './helpers/server';
import { waitFor, type SyncClient } from './helpers/sync-client';

export const CHANNEL_ADDRESS = 'support@parley.test';

/** Creates an email channel through the API; waits for its SMTP receiver to listen. */
let created_ = 0;

export async function createEmailChannel(server: TestServer, token: string, email: Record<string, unknown> = {}): Promise<{ id: string; port: number }> {
	// Channel names are unique (the demo has its own "Email" channel).
	const created = await api(server.url, token, 'POST', '/api/directory/channels', { name: `Test mail ${++created_}`, kind: 'email', email: { addresses: [CHANNEL_ADDRESS], fromName: 'Support', ...email } });
	if (created.status !== 201) throw new Error(`channel: ${created.status} ${JSON.stringify(created.json)}`);
	const id = created.json.id as string;
	let port = 0;
	await waitFor(
		async () => {
			const s = await api(server.url, token, 'GET', `/api/channels/${id}/email`);
			port = (s.json.receiver as { port: number } | null)?.port ?? 0;
			return port > 0;
		},
		10_000,
		'the SMTP receiver'
	);
	return { id, port };
}

export function smtpTo(port: number): Transporter<SMTPTransport.SentMessageInfo> {
	return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 30_000, socketTimeout: 120_000 });
}

export const thread = (client: SyncClient, docId: DocId): Entry[] => contactDoc(client.doc(docId)).thread.ordered();

export const emailsIn = (client: SyncClient, contactId: ContactId | string): MessageEntry[] =>
	thread(client, contactDocId(contactId as ContactId)).filter((e): e is MessageEntry => e.kind === 'message' && e.body.type === 'email');

/** The contact whose profile has this email, once the client has it. */
export async function contactByEmail(client: SyncClient, email: string): Promise<ContactId> {
	let found: ContactId | null = null;
	await waitFor(
		() => {
			for (const d of client.docs.keys()) {
				if (d === 'dir') continue;
				const p = contactDoc(client.doc(d as DocId)).profile.get();
				if (p.email === email) {
					const parsed = parseDocId(d);
					if (parsed?.kind === 'contact') found = parsed.contactId;
					return true;
				}
			}
			return false;
		},
		15_000,
		`contact ${email}`
	);
	return found!;
}
