import { AdminClient, ApiError, ConnectionError } from './admin-client.js';
import { UsageError, helpText, parseCommandLine } from './parse-command-line.js';
import { loadSettings } from './settings.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readPassword(): Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 2;

/** One invocation: returns the exit code; never throws, never calls process.exit. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`mailctl: ${err.message}\n${err.usage ? `usage: mailctl ${err.usage}\n` : "run 'mailctl help' for the commands\n"}`);
    return EXIT_USAGE;
  }
  if (parsed.kind === 'help') {
    io.out(helpText());
    return EXIT_OK;
  }

  const settings = await loadSettings(env);
  if (!settings.token) {
    io.err(`mailctl: no admin token: set MAILCTL_TOKEN (or ADMIN_TOKEN), or run on the server where ${settings.tokenSource} exists\n`);
    return EXIT_API;
  }
  try {
    const { plan } = parsed;
    if (plan.needsPassword) {
      const password = await io.readPassword();
      if (!password) {
        io.err('mailctl: empty password\n');
        return EXIT_USAGE;
      }
      plan.call.body = { ...plan.call.body, [plan.passwordField ?? 'password']: password };
    }
    await plan.prepare?.();
    const client = new AdminClient(settings.url, settings.token);
    let response = await client.send(plan.call);
    if (plan.then) response = await plan.then(response, { send: (call) => client.send(call), out: (t) => io.out(t), json: parsed.json });
    io.out(parsed.json ? `${JSON.stringify(response, null, 2)}\n` : plan.render(response));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ApiError) {
      const hint = err.status === 401 ? ` (the token from ${settings.tokenSource} was refused)` : '';
      io.err(`mailctl: ${err.message}${hint}\n`);
      return EXIT_API;
    }
    if (err instanceof ConnectionError) {
      io.err(`mailctl: ${err.message}\n`);
      return EXIT_API;
    }
    io.err(`mailctl: ${(err as Error).message}\n`);
    return EXIT_API;
  }
}
