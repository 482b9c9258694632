/** The backend contract suite against both backends: the in-memory Engine and RedisEngine. */
import { runBackendContract } from './backend-contract.js';
import { InMemoryBackend, openRedisBackend, redisSkip } from './support.js';

runBackendContract({ name: 'in-memory Engine', create: async (markets) => new InMemoryBackend(markets) });
runBackendContract({ name: 'RedisEngine', create: (markets) => openRedisBackend(markets, 'contract'), skip: redisSkip });
