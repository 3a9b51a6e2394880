/**
 * Documents of the demo workspace (`src/lib/demo/generate.ts` makes the plain data; this turns
 * it into Yjs documents through the typed wrappers). Each document is written in one
 * transaction with the server origin, as the server's first-run seed does.
 */
import * as Y from 'yjs';
import type { Directory, EntryId, UserId } from '../domain/types';
import type { DemoContact } from '../demo/generate';
import { initContact } from './contact';
import { directoryDoc } from './directory';
import { serverOrigin } from './origins';

export function buildContactDoc(c: DemoContact): Y.Doc {
	const ydoc = new Y.Doc();
	const origin = serverOrigin();
	ydoc.transact(() => {
		const doc = initContact(ydoc, { id: c.id, profile: c.profile, assignment: c.assignment, state: c.state, createdAt: c.createdAt }, origin);
		for (const e of c.entries) doc.thread.append(e);
		for (const [id, d] of Object.entries(c.deliveries)) doc.delivery.set(id as EntryId, d);
		for (const [userId, at] of Object.entries(c.reads)) doc.reads.markRead(userId as UserId, at);
	}, origin);
	return ydoc;
}

export function buildDirectoryDoc(directory: Directory): Y.Doc {
	const ydoc = new Y.Doc();
	const d = directoryDoc(ydoc, serverOrigin());
	d.transact(() => {
		d.setSettings({ workspaceId: directory.workspaceId, workspaceName: directory.workspaceName });
		for (const u of directory.users) d.putUser(u);
		for (const t of directory.teams) d.putTeam(t);
		for (const c of directory.channels) d.putChannel(c);
		for (const s of directory.snippets) d.putSnippet(s);
		for (const f of directory.customFields) d.putCustomField(f);
	});
	return ydoc;
}
