// s3rver as a process of its own (see startTestS3InChild): prints its endpoint as one JSON line,
// stops on SIGTERM or when its parent goes away (stdin closes).
import { startTestS3 } from './s3-server.js';

void startTestS3().then((s3) => {
  process.stdout.write(JSON.stringify({ endpoint: s3.endpoint }) + '\n');
  const stop = () => void s3.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop).resume();
});
