// The deployment's settings: API URL, Cognito endpoint, pool and client.
let loaded;

export function config() {
  loaded ??= fetch("/config.json", { cache: "no-store" }).then((r) => {
    if (!r.ok) throw new Error(`config.json: ${r.status}`);
    return r.json();
  });
  return loaded;
}
