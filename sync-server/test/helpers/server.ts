/** Starts an in-process server for a test on port 0 with a temporary data directory. */
import { rmSync } from 'node:fs';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server';
import { tempDir } from './temp';

export { tempDir };

export interface TestServer extends RunningServer {
	dataDir: string;
	/** Closes the server and removes its data. */
	destroy(): Promise<void>;
}

export async function startTestServer(opts: ServerOptions = {}): Promise<TestServer> {
	const dataDir = opts.dataDir ?? tempDir();
	const server = await startServer({
		host: '127.0.0.1',
		port: 0,
		seed: { contacts: 20, messagesPerContact: 2 },
		log: () => {},
		...opts,
		dataDir
	});
	return {
		...server,
		dataDir,
		async destroy() {
			await server.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
