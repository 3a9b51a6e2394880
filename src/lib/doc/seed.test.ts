import { describe, expect, it } from 'vitest';
import { generateWorkspace } from '../demo/generate';
import { contactDoc } from './contact';
import { directoryDoc } from './directory';
import { buildContactDoc, buildDirectoryDoc } from './seed';
import { summarize } from './summary';

describe('seed documents', () => {
	const w = generateWorkspace({ seed: 9, contacts: 40, now: Date.UTC(2025, 0, 15) });

	it('buildDirectoryDoc reads back the generated directory', () => {
		expect(directoryDoc(buildDirectoryDoc(w.directory)).read()).toEqual({
			...w.directory,
			users: [...w.directory.users].sort((a, b) => a.name.localeCompare(b.name)),
			teams: [...w.directory.teams].sort((a, b) => a.name.localeCompare(b.name)),
			channels: [...w.directory.channels].sort((a, b) => a.name.localeCompare(b.name)),
			snippets: [...w.directory.snippets].sort((a, b) => a.name.localeCompare(b.name)),
			customFields: [...w.directory.customFields].sort((a, b) => a.label.localeCompare(b.label))
		});
	});

	it('buildContactDoc holds the generated contact, its thread, deliveries and reads', () => {
		for (const c of w.contacts) {
			const ydoc = buildContactDoc(c);
			const doc = contactDoc(ydoc);
			expect(doc.profile.get()).toEqual(c.profile);
			expect(doc.assignment.get()).toEqual(c.assignment);
			expect(doc.state.get()).toEqual(c.state);
			expect(doc.thread.ordered().slice(1)).toEqual(c.entries.map((e) => JSON.parse(JSON.stringify(e))));
			expect(doc.delivery.all()).toEqual(c.deliveries);
			expect(doc.reads.all()).toEqual(c.reads);
			const s = summarize(c.id, ydoc);
			expect(s.status).toBe(c.state.status);
			expect(s.updatedAt).toBe(c.entries.length ? c.entries[c.entries.length - 1]!.at : c.createdAt);
		}
	});
});
