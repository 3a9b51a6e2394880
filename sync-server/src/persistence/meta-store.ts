/** Store role: a small key/value table (checkpoints, the JWT secret, the workspace id). */
export interface MetaStore {
	getMeta(key: string): Promise<string | null>;
	setMeta(key: string, value: string): Promise<void>;
	/**
	 * Sets `key` to `value` only if it still holds `expected` (null: absent); false when another
	 * writer (another process) changed it first. A read-modify-write of a value several processes
	 * append to loops on it.
	 */
	swapMeta(key: string, expected: string | null, value: string): Promise<boolean>;
}
