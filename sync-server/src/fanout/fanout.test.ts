// SPEC S1.4 (live relay to every client of a document): the fan-out contract on the in-process
// adapter and on Redis (two processes of one workspace; a Redis restart).
import { randomUUID } from 'node:crypto';
import { useServices } from '../../test/helpers/services';
import { fanoutContract } from './contract';
import { LocalFanout } from './local';
import { RedisFanout } from './redis';

const services = useServices();

fanoutContract('in-process', async () => ({ make: async () => new LocalFanout() }));

fanoutContract('redis', async () => {
	const channel = `parley:test:${randomUUID()}`;
	const url = services.current().redisUrl;
	return {
		async make() {
			const f = new RedisFanout({ url, channel });
			await f.ready();
			return f;
		}
	};
});

fanoutContract('redis (restarted)', async () => {
	const channel = `parley:test:${randomUUID()}`;
	const { startRedis } = await import('../../../scripts/services-redis.mjs');
	let redis = await startRedis();
	return {
		async make() {
			const f = new RedisFanout({ url: redis.url, channel });
			await f.ready();
			return f;
		},
		async restartLink() {
			const port = redis.port;
			await redis.stop();
			redis = await startRedis(port);
		},
		async dispose() {
			await redis.stop();
		}
	};
});
