import { existsSync, readFileSync } from 'node:fs';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// `npm run dev` serves the dashboard with hot reload and sends /graphql to a router: ROUTER_HTTP, default the one
// `make run` starts (https://127.0.0.1:18080). Over https the proxy speaks mutual TLS as an admin, with the
// certificates `make run` made (ROUTER_TLS_DIR, default ../.artifacts/tls: admin/tls.crt, admin/tls.key, ca/ca.crt).
const router = process.env.ROUTER_HTTP ?? 'https://127.0.0.1:18080';
const tlsDirectory = process.env.ROUTER_TLS_DIR ?? new URL('../.artifacts/tls/', import.meta.url).pathname;

function routerTarget() {
  const url = new URL(router);
  if (url.protocol !== 'https:') return router;
  const file = (name) => {
    const path = `${tlsDirectory}/${name}`;
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`make run\` first, or set ROUTER_TLS_DIR to a directory with admin/tls.crt, admin/tls.key and ca/ca.crt`);
    return readFileSync(path);
  };
  return {
    protocol: 'https:',
    host: url.hostname,
    port: url.port || '443',
    cert: file('admin/tls.crt'),
    key: file('admin/tls.key'),
    ca: file('ca/ca.crt'),
  };
}

export default defineConfig(({ command }) => ({
  plugins: [sveltekit()],
  // The proxy exists only for `vite dev`; a build needs no router or certificates.
  server: command === 'serve' ? { proxy: { '/graphql': { target: routerTarget(), changeOrigin: true, secure: true } } } : {},
  build: { chunkSizeWarningLimit: 200 },
}));
