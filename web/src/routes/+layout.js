// Static files, rendered in the browser: the router serves them and answers GraphQL on the same port.
export const prerender = true;
export const ssr = false;
export const trailingSlash = 'always';
