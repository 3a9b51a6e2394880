/**
 * `npm run backup -- <dest-dir>`: an online backup of a server's data folder, safe while the
 * server runs. The SQLite store is copied with SQLite's online backup API (better-sqlite3's
 * `db.backup()`), page by page on its own connection: the server keeps reading and writing, and
 * the copy is one consistent state of the database (a write that lands during the copy makes
 * SQLite restart the copy from that state). Uploaded files are copied after the database, so
 * every attachment the copied database names has its file in the copy (files are written before
 * the message that names them, and never change).
 *
 * Restoring: stop the server, replace `DATA_DIR` by the backup folder, start. The copy is marked
 * as not cleanly stopped (`store.open`), so on its first start the store skips a range of
 * sequence numbers and clients that had seen later ones sync in full (persistence/sqlite.ts,
 * "Unclean stop") instead of trusting numbers the restored store would hand out again.
 *
 * Environment: DATA_DIR (./data), as for the server. The destination folder must not hold a
 * `parley.db` already (a backup never overwrites).
 */
import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OPEN_KEY } from './persistence/sqlite';

export interface BackupResult {
	/** The copied database file. */
	database: string;
	bytes: number;
	/** Highest stored sequence number in the copy. */
	headSeq: number;
	/** Uploaded files copied (with their sidecars). */
	uploads: number;
}

export async function backup(dataDir: string, destDir: string): Promise<BackupResult> {
	const source = join(dataDir, 'parley.db');
	if (!existsSync(source)) throw new Error(`no database at ${source} (set DATA_DIR)`);
	const database = join(destDir, 'parley.db');
	if (existsSync(database)) throw new Error(`${database} exists; a backup never overwrites one`);
	mkdirSync(destDir, { recursive: true });
	const partial = `${database}.partial`;
	rmSync(partial, { force: true });

	const live = new Database(source, { fileMustExist: true });
	try {
		live.pragma('busy_timeout = 5000');
		// 1024 pages (4 MiB) per step between event-loop turns.
		await live.backup(partial, { progress: () => 1024 });
	} finally {
		live.close();
	}

	const copy = new Database(partial);
	let headSeq: number;
	try {
		const check = copy.pragma('integrity_check', { simple: true });
		if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
		copy.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(OPEN_KEY, '1');
		headSeq = (copy.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM updates').get() as { s: number }).s;
		copy.pragma('wal_checkpoint(TRUNCATE)');
	} finally {
		copy.close();
	}
	for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
	renameSync(partial, database);

	let uploads = 0;
	const uploadsDir = join(dataDir, 'uploads');
	if (existsSync(uploadsDir)) {
		cpSync(uploadsDir, join(destDir, 'uploads'), {
			recursive: true,
			// A half-written sidecar is not a file yet (uploads.ts renames it into place).
			filter: (src) => !src.endsWith('.tmp') && (statSync(src).isDirectory() || (src.endsWith('.json') ? true : (uploads++, true)))
		});
	}
	return { database, bytes: statSync(database).size, headSeq, uploads };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'backup.ts')) {
	const dest = process.argv[2];
	if (!dest) {
		console.error('usage: npm run backup -- <destination folder>   (DATA_DIR names the data folder, default ./data)');
		process.exit(2);
	}
	try {
		const r = await backup(process.env.DATA_DIR ?? './data', dest);
		console.log(`backed up ${r.database}: ${r.bytes} bytes, up to seq ${r.headSeq}, ${r.uploads} uploaded files`);
	} catch (err) {
		console.error(`backup failed: ${err instanceof Error ? err.message : String(err)}`);
		process.exit(1);
	}
}
