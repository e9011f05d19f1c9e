// The dashboard's build: one page, hashed assets under dist/assets (the controller serves them
// as immutable). Vite's own transformer (oxc) handles TSX; no framework plugin is needed.
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      // TanStack Query's "use client" directives mean nothing without server components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/trpc': 'http://127.0.0.1:8080' } },
});
