// SPEC S5.8, S9.4: an agent connection's awareness states speak for its token's user only, under
// the directory's name.
import { describe, expect, it } from 'vitest';
import type { UserId } from '../../src/lib/domain/types';
import { agentStateGuard } from './awareness-identity';

const guard = agentStateGuard('u-ana' as UserId, (id) => (id === 'u-ana' ? 'Ana Souza' : null));
const json = (v: unknown) => JSON.stringify(v);

describe('agentStateGuard', () => {
	it('passes the own user (or bot) under the directory name, the same bytes when already right', () => {
		const exact = json({ user: { kind: 'user', id: 'u-ana', name: 'Ana Souza' }, typing: null });
		expect(guard(exact)).toBe(exact);
		expect(JSON.parse(guard(json({ user: { kind: 'bot', id: 'u-ana', name: 'Helper', color: 'red' }, typing: { composer: 'reply', at: 1 } }))!)).toEqual({
			user: { kind: 'bot', id: 'u-ana', name: 'Ana Souza' },
			typing: { composer: 'reply', at: 1 }
		});
	});

	it('drops other ids, contact or unknown kinds, states without user, non-objects and bad JSON', () => {
		for (const raw of [
			json({ user: { kind: 'user', id: 'u-tom', name: 'Tom' } }),
			json({ user: { kind: 'contact', id: 'u-ana', name: 'x' } }),
			json({ user: { kind: 'admin', id: 'u-ana' } }),
			json({ user: { id: 'u-ana' } }),
			json({ user: 'u-ana' }),
			json({}),
			json([1]),
			'"u-ana"',
			'{not json'
		])
			expect(guard(raw), raw).toBeNull();
	});

	it('drops every state of a user the directory no longer has active', () => {
		const gone = agentStateGuard('u-gone' as UserId, () => null);
		expect(gone(json({ user: { kind: 'user', id: 'u-gone', name: 'G' } }))).toBeNull();
	});
});
