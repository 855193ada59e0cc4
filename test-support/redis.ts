import { spawn, type ChildProcess } from 'node:child_process';
import { closedPort } from './ports.js';

/** A real redis-server (Debian's, installed by scripts/setup.sh) on 127.0.0.1 only, nothing saved. */
export async function startRedis(): Promise<{ url: string; process: ChildProcess; stop(): void }> {
  const port = await closedPort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    redis.once('error', (e) => reject(new Error(`redis-server could not start (${e.message}): run scripts/setup.sh, which installs it`)));
    redis.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready`)));
    redis.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}`, process: redis, stop: () => void (redis.exitCode === null && redis.kill('SIGKILL')) };
}
