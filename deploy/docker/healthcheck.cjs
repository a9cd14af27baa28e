'use strict';
// Container HEALTHCHECK: slim images have no curl, so probe /healthz with Node's fetch.
// admin-api serves health on its API port; every other service on HTTP_PORT.
const app = process.env.APP || '';
if (app === 'mailctl') process.exit(0); // a CLI, not a server: nothing to probe

const port =
  process.env.HEALTHCHECK_PORT ||
  (app === 'admin-api' ? process.env.ADMIN_PORT || '8080' : process.env.HTTP_PORT || '9090');
const path = process.env.HEALTHCHECK_PATH || '/healthz';

fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
