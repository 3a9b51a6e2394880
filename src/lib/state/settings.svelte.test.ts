// Issue 20: the settings screens' client: the caller's token, one refresh on 401, the server's
// {code, message} (or `network`) handed to the page; errors in the reader's language.
import { describe, expect, it } from 'vitest';
import { errorText } from '../components/settings/errors';
import { I18n } from '../i18n/i18n.svelte';
import { SettingsClient } from './settings.svelte';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('SettingsClient', () => {
	it('sends the token, refreshes once on 401 and retries', async () => {
		let token = 'old';
		const seen: string[] = [];
		const client = new SettingsClient({
			baseUrl: 'http://x',
			token: async () => token,
			refresh: async () => ((token = 'new'), 'ok'),
			fetch: async (_url, init) => {
				const auth = (init?.headers as Record<string, string>).authorization!;
				seen.push(auth);
				return auth === 'Bearer new' ? json(200, { user: { name: 'A' } }) : json(401, { error: { code: 'token_expired', message: 'expired' } });
			}
		});
		expect(await client.call('PATCH', '/api/me', { name: 'A' })).toEqual({ ok: true, status: 200, data: { user: { name: 'A' } } });
		expect(seen).toEqual(['Bearer old', 'Bearer new']);
	});

	it('hands the page the server\'s code and message, or `network`', async () => {
		const refusing = new SettingsClient({ baseUrl: '', token: async () => 't', refresh: async () => 'denied', fetch: async () => json(409, { error: { code: 'name_taken', message: 'A team named "X" exists.' } }) });
		expect(await refusing.call('POST', '/api/directory/teams', { name: 'X' })).toMatchObject({ ok: false, status: 409, code: 'name_taken' });
		const offline = new SettingsClient({ baseUrl: '', token: async () => 't', refresh: async () => 'network', fetch: async () => Promise.reject(new TypeError('offline')) });
		const r = await offline.call('GET', '/api/directory/invites');
		expect(r).toMatchObject({ ok: false, code: 'network' });
		const fr = new I18n(null, ['fr-FR']);
		expect(errorText(fr, r as { code: string; message: string })).toBe('Pas de connexion au serveur. Réessayez une fois en ligne.');
		expect(errorText(fr, { code: 'invalid_input', message: 'name must be text of 1 to 100 characters.' })).toBe('name must be text of 1 to 100 characters.');
	});
});
