// Adds this browser session's security token to every same-origin request that changes something
// (POST, PUT, PATCH, DELETE), for htmx and the page scripts alike: both go through window.fetch.
// The token comes from GET /api/session, which only pages of this origin can read; the server
// refuses such requests without it (src/web/guards/cross-site-guard.ts). Loaded before any other
// script. A refusal for a stale token (the server's secret changed) is retried once with a new one.
// Scripts that send with XMLHttpRequest (upload progress, which fetch cannot report) take the token
// from window.docentToken: get() resolves to it, renew() to a fresh one after a stale-token refusal.
(() => {
  const SAFE = /^(GET|HEAD|OPTIONS)$/i;
  const original = window.fetch.bind(window);
  let token;

  const load = () => {
    token ??= original('/api/session', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`the server answered ${res.status}`))))
      .then((body) => body.csrfToken)
      .catch((err) => {
        token = undefined;
        throw new Error(`could not get the page's security token (${err.message}); reload the page`);
      });
    return token;
  };

  const target = (input, init) => {
    const req = input instanceof Request ? input : undefined;
    return {
      method: String(init?.method ?? req?.method ?? 'GET'),
      url: new URL(req ? req.url : String(input), window.location.href),
      headers: new Headers(init?.headers ?? req?.headers),
      replayable: !(init?.body instanceof ReadableStream) && !(req && !init?.body && req.body),
    };
  };

  window.fetch = async (input, init) => {
    const t = target(input, init);
    if (SAFE.test(t.method) || t.url.origin !== window.location.origin) return original(input, init);
    const send = async () => {
      t.headers.set('X-CSRF-Token', await load());
      return original(input, { ...init, headers: t.headers });
    };
    const res = await send();
    if (res.status === 403 && res.headers.get('Docent-Refused') === 'token' && t.replayable) {
      token = undefined;
      return send();
    }
    return res;
  };

  window.docentToken = {
    get: load,
    renew: () => {
      token = undefined;
      return load();
    },
  };

  // Fetched at once, so the first click does not wait for it (a failure is retried on that click).
  load().catch(() => undefined);
})();
