import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// `npm run dev` serves the dashboard with hot reload and sends /graphql to a router (ROUTER_HTTP, default the
// local one `make run` starts).
export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { '/graphql': process.env.ROUTER_HTTP ?? 'http://127.0.0.1:8080' } },
  build: { chunkSizeWarningLimit: 200 },
});
