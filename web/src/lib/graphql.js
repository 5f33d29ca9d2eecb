import { writable } from 'svelte/store';

/**
 * The router as the dashboard last saw it: `reachable` false once a request failed to get an answer, with why.
 * Every page shows it, so a stopped router is said plainly instead of showing stale figures as live.
 */
export const connection = writable({ reachable: true, error: '', at: null });

/** Runs a GraphQL operation against the router that served the page; throws with the errors' messages. */
export async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (e) {
    connection.set({ reachable: false, error: `the router does not answer (${e.name === 'TimeoutError' ? 'timed out' : e.message})`, at: new Date() });
    throw e;
  }

  let body;
  try {
    body = await response.json();
  } catch {
    connection.set({ reachable: false, error: `the router answered ${response.status} without GraphQL`, at: new Date() });
    throw new Error(`HTTP ${response.status}`);
  }

  connection.set({ reachable: true, error: '', at: new Date() });
  if (body.errors?.length) throw new Error(body.errors.map((e) => (e.path ? `${e.path.join('.')}: ` : '') + e.message).join('; '));
  return body.data;
}

/** Calls `load` now and every `ms` until the returned stop function is called; errors go to `onError`. */
export function poll(load, ms, onError = () => {}) {
  let stopped = false;
  let timer;
  const tick = async () => {
    try {
      await load();
    } catch (e) {
      onError(e);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
