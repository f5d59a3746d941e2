import { createRedisConnection } from '../../src/queue/connection.js';
import { startRedis } from '../support/redis.js';
import { describeScaleOut } from '../support/scale-out-suite.js';

describeScaleOut('two worker processes against one Redis', async () => {
  const server = await startRedis();
  return { connect: () => createRedisConnection(server.url), env: { HERALD_REDIS_URL: server.url }, stop: () => server.stop() };
});
