// SPEC S1.3, S3.1, S6.2: the directory references a contact may hold (references.ts), the rule
// shared by POST /api/contacts and the sync server's validator.
import { describe, expect, it } from 'vitest';
import type { Channel, ChannelId } from './types';
import { activeUser, knownChannel, knownTeam } from './references';
import { directory, team, user } from './test-fixtures';

const dir = {
	...directory([user('u-ana'), user('u-gone', { active: false })], [team('t-sales')]),
	channels: [{ id: 'ch-webchat' as ChannelId } as Channel]
};

describe('directory references', () => {
	it('an assignee or mention is an active user, never a team, a channel or nothing', () => {
		expect(activeUser(dir, 'u-ana')?.id).toBe('u-ana');
		for (const id of ['u-gone', 't-sales', 'ch-webchat', 'u-nobody', '', null, 7, undefined]) expect(activeUser(dir, id)).toBeUndefined();
	});

	it('a team is a team of the workspace, never a user id', () => {
		expect(knownTeam(dir, 't-sales')?.id).toBe('t-sales');
		for (const id of ['u-ana', 't-none', '', null, {}]) expect(knownTeam(dir, id)).toBeUndefined();
	});

	it('a channel is a channel of the workspace', () => {
		expect(knownChannel(dir, 'ch-webchat')?.id).toBe('ch-webchat');
		for (const id of ['ch-ghost', 'u-ana', null]) expect(knownChannel(dir, id)).toBeUndefined();
	});
});
