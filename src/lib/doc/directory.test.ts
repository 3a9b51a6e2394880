import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ChannelId, SnippetId, TeamId, User, UserId, WorkspaceId } from '../domain/types';
import { directoryDoc } from './directory';
import { asOrigin } from './origins';
import { DIRECTORY_ROOT_NAMES } from './schema';

const user = (id: string, name: string, extra: Partial<User> = {}): User => ({
	id: id as UserId,
	name,
	email: `${id}@demo.test`,
	role: 'agent',
	restriction: 'none',
	teamIds: [],
	color: '#123456',
	active: true,
	...extra
});

describe('directoryDoc', () => {
	it('creates exactly the published root types', () => {
		const ydoc = new Y.Doc();
		directoryDoc(ydoc);
		expect([...ydoc.share.keys()].sort()).toEqual([...DIRECTORY_ROOT_NAMES].sort());
	});

	it('puts, replaces, removes and reads records in a deterministic order', () => {
		const ydoc = new Y.Doc();
		const d = directoryDoc(ydoc);
		d.setSettings({ workspaceId: 'w1' as WorkspaceId, workspaceName: 'Acme' });
		d.putUser(user('u2', 'Zoé'));
		d.putUser(user('u1', 'Ana', { restriction: 'team', teamIds: ['t1' as TeamId] }));
		d.putUser(user('u3', 'Tom'));
		d.putUser(user('u3', 'Tom', { active: false }));
		d.putTeam({ id: 't2' as TeamId, name: 'Support' });
		d.putTeam({ id: 't1' as TeamId, name: 'Sales' });
		d.putChannel({ id: 'c1' as ChannelId, kind: 'webchat', name: 'Web chat', windowHours: null, supportsReplies: true });
		d.putSnippet({ id: 's1' as SnippetId, name: 'hello', text: 'Hello {{firstName}}' });
		d.putCustomField({ key: 'plan', label: 'Plan', type: 'text' });
		d.putCustomField({ key: 'age', label: 'Age', type: 'number' });
		expect(d.removeTeam('t2')).toBe(true);
		expect(d.removeTeam('t2')).toBe(false);
		const dir = d.read();
		expect(dir.workspaceId).toBe('w1');
		expect(dir.workspaceName).toBe('Acme');
		expect(dir.users.map((u) => u.name)).toEqual(['Ana', 'Tom', 'Zoé']);
		expect(dir.users[1]!.active).toBe(false);
		expect(dir.teams).toEqual([{ id: 't1', name: 'Sales' }]);
		expect(dir.channels).toHaveLength(1);
		expect(dir.snippets[0]!.text).toBe('Hello {{firstName}}');
		expect(dir.customFields.map((f) => f.key)).toEqual(['age', 'plan']);
		expect(d.user('u1')?.teamIds).toEqual(['t1']);
		expect(d.user('nobody')).toBeUndefined();
	});

	it('writes with the server origin by default and reports changes', () => {
		const ydoc = new Y.Doc();
		const d = directoryDoc(ydoc);
		const origins: Array<string | undefined> = [];
		ydoc.on('afterTransaction', (tr) => origins.push(asOrigin(tr.origin)?.kind));
		let changes = 0;
		const stop = d.observe(() => changes++);
		d.transact(() => {
			d.putUser(user('u1', 'Ana'));
			d.putTeam({ id: 't1' as TeamId, name: 'Sales' });
		});
		d.setSettings({ workspaceName: 'X' });
		stop();
		d.removeUser('u1');
		expect(changes).toBe(2);
		expect(origins).toEqual(['server', 'server', 'server']);
	});

	it('replicates to another document', () => {
		const a = new Y.Doc();
		directoryDoc(a).putUser(user('u1', 'Ana'));
		const b = new Y.Doc();
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		expect(directoryDoc(b).read().users).toEqual(directoryDoc(a).read().users);
	});
});
