import { createRedisConnection } from '../../src/queue/connection.js';
import { startRedisCluster } from '../support/redis-cluster.js';
import { describeScaleOut } from '../support/scale-out-suite.js';

describeScaleOut('two worker processes against a Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  const nodes = cluster.endpoint.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  return { connect: () => createRedisConnection(cluster.endpoint), env: { REDIS_CLUSTER_NODES: nodes }, stop: () => cluster.stop() };
});
