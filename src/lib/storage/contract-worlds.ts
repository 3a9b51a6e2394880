/**
 * Worlds for the store contract: a memory backend, or IndexedDB through a given factory (a fresh
 * fake-indexeddb factory per world under Node; the browser's own, with a unique name prefix per
 * world, in Chromium).
 */
import type { StoreWorld } from './contract-kit';
import { ALICE } from './contract-kit';
import { deleteUserDatabase, openIdbStore } from './idb';
import { MemoryBackend } from './memory';
import type { ClientStore, StoreOwner } from './store';

export function memoryWorld(): StoreWorld {
	const backend = new MemoryBackend();
	const handles: ClientStore[] = [];
	return {
		async open(owner = ALICE, hooks = {}) {
			const store = backend.open(owner, hooks);
			handles.push(store);
			return store;
		},
		async deleteDatabase(owner = ALICE) {
			backend.deleteDatabase(owner);
		},
		async dispose() {
			for (const h of handles) h.close();
		}
	};
}

/**
 * `workspacePrefix` keeps worlds apart when they share one factory (a real browser profile):
 * every owner's workspace id is prefixed, and `dispose` deletes the databases it created.
 */
export function idbWorld(opts: { idbFactory?: IDBFactory; workspacePrefix?: string } = {}): StoreWorld {
	const handles: ClientStore[] = [];
	const owners = new Map<string, StoreOwner>();
	const scoped = (owner: StoreOwner): StoreOwner => {
		const real = { userId: owner.userId, workspaceId: `${opts.workspacePrefix ?? ''}${owner.workspaceId}` };
		owners.set(`${real.workspaceId}\n${real.userId}`, real);
		return real;
	};
	return {
		async open(owner = ALICE, hooks = {}) {
			const store = await openIdbStore({ ...scoped(owner), idbFactory: opts.idbFactory, onExternalClose: hooks.onExternalClose });
			handles.push(store);
			return store;
		},
		async deleteDatabase(owner = ALICE) {
			await deleteUserDatabase({ ...scoped(owner), idbFactory: opts.idbFactory });
		},
		async dispose() {
			for (const h of handles) h.close();
			for (const owner of owners.values()) await deleteUserDatabase({ ...owner, idbFactory: opts.idbFactory });
		}
	};
}
