// Creates the bench domain and users on our platform through the admin API, as an administrator would.
async function call(adminUrl, token, path, body) {
  const res = await fetch(`${adminUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok && res.status !== 409) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
}

export async function provision({ adminUrl, adminToken, domain, users, parallel = 4 }) {
  await call(adminUrl, adminToken, '/api/v1/domains', { name: domain });
  let next = 0;
  const worker = async () => {
    for (;;) {
      const u = users[next++];
      if (!u) return;
      await call(adminUrl, adminToken, '/api/v1/accounts', { address: u.address, password: u.password });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
