import adapter from '@sveltejs/adapter-static';

/** The dashboard is static files the router serves at /; every page renders in the browser from GraphQL. */
export default {
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: undefined, precompress: false, strict: true }),
    appDir: '_app',
  },
};
