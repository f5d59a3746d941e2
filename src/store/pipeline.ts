import type { ChainableCommander } from 'ioredis';

/** Runs a pipeline or MULTI and returns each command's result, throwing the first command error. */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}
