/** Store role: a small key/value table (checkpoints, the JWT secret, the workspace id). */
export interface MetaStore {
	getMeta(key: string): Promise<string | null>;
	setMeta(key: string, value: string): Promise<void>;
}
