// Outbound delivery across kill -9: the server process is killed after the receiver got the
// POST and before the server could record it. After the restart the outbox row is still
// pending, the message is POSTed again with the same Idempotency-Key, the receiver recognises
// it (no second delivery) and the status ends right.
// SPEC S5.4
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import type { DocId } from '../../src/lib/domain/types';
import { api, startReceiver, type Receiver , writeOutgoing } from './channels-helpers';
import { killChild, spawnServer, type ChildServer } from './helpers/child';
import { tempDir } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

describe('outbound delivery across SIGKILL', () => {
	const dataDir = tempDir('parley-channels-kill-');
	let child: ChildServer | undefined;
	let receiver: Receiver | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await killChild(child);
		await receiver?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('does not deliver twice and records the status after a restart', async () => {
		const env = { DATA_DIR: dataDir, DEMO_CONTACTS: '8', ALLOW_LOOPBACK_CHANNELS: '1' };
		let killed = false;
		receiver = await startReceiver((req) => {
			if (killed) return { status: 200 };
			// The receiver takes the message, and the server dies before hearing back.
			killed = true;
			receiver!.processed.set(String(req.headers['idempotency-key']), req);
			child!.process.kill('SIGKILL');
			return 'hang';
		});
		child = await spawnServer(env);
		const { accessToken } = await login(child.url, 'owner@demo.test');
		const ch = await api(child.url, accessToken, 'POST', '/api/directory/channels', { name: 'Hook', kind: 'webhook', url: receiver.url });
		expect(ch.status).toBe(201);
		const agent = new SyncClient({ url: child.url, token: accessToken });
		clients.push(agent);
		await agent.connect();
		const docId = [...agent.docs.keys()].find((d) => d !== 'dir' && !contactDoc(agent.doc(d)).profile.get().blocked) as DocId;
		const id = writeOutgoing(agent, docId, ch.json.id as string, { type: 'text', text: 'exactly once' });
		await child.exited;
		expect(receiver.requests).toHaveLength(1);
		agent.close();

		child = await spawnServer(env);
		await waitFor(() => receiver!.requests.length === 2, 20_000, 'the retry after restart');
		const again = await login(child.url, 'owner@demo.test');
		const checker = new SyncClient({ url: child.url, token: again.accessToken });
		clients.push(checker);
		await checker.connect();
		await waitFor(() => contactDoc(checker.doc(docId)).delivery.get(id)?.status === 'sent', 20_000, 'status sent after restart');
		expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual([id, id]);
		expect(receiver.requests[1]!.duplicate).toBe(true);
		expect(receiver.processed.size).toBe(1);
		const messages = contactDoc(checker.doc(docId)).thread.entries().filter((e) => e.id === id);
		expect(messages).toHaveLength(1);
	}, 120_000);
});
