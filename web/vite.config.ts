import { createHash } from 'node:crypto'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

/**
 * Vant's icon CSS embeds its font as a data: URL and falls back to a font on a public CDN.
 * The server's Content-Security-Policy (default-src 'self') blocks both, and deployments may
 * have no internet. This serves the same font as a file of our own instead.
 */
function selfHostedVantIconFont(): Plugin {
  const FACE = /@font-face\{[^}]*font-family:vant-icon;[^}]*\}/
  const DATA = /url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)/
  let font: { fileName: string; source: Buffer } | null = null
  return {
    name: 'palmgrid:self-hosted-vant-icon-font',
    transform(code, id) {
      if (!/[\\/]vant[\\/]es[\\/]icon[\\/]index\.css/.test(id)) return null
      const face = FACE.exec(code)
      const data = face && DATA.exec(face[0])
      if (!face || !data?.[1]) this.error('vant icon @font-face with an inline woff2 not found: update selfHostedVantIconFont')
      const source = Buffer.from(data[1], 'base64')
      const hash = createHash('sha256').update(source).digest('hex').slice(0, 10)
      font = { fileName: `assets/vant-icon-${hash}.woff2`, source }
      const replacement = `@font-face{font-weight:400;font-family:vant-icon;font-style:normal;font-display:auto;src:url(/${font.fileName}) format("woff2")}`
      return { code: code.replace(face[0], replacement), map: null }
    },
    generateBundle() {
      if (font) this.emitFile({ type: 'asset', fileName: font.fileName, source: font.source })
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!font || req.url !== `/${font.fileName}`) return next()
        res.setHeader('Content-Type', 'font/woff2')
        res.end(font.source)
      })
    },
  }
}

// The Rust server serves the build at / with an SPA fallback; in development Vite proxies
// the API (and the live video WebSockets) to a palmgrid server on 127.0.0.1:8080 or $PALMGRID_BACKEND.
const backend = process.env.PALMGRID_BACKEND || 'http://127.0.0.1:8080'

// crates/palmgrid-api/build.rs runs `npm run build` with PALMGRID_WEB_OUT set to a folder in
// cargo's OUT_DIR and embeds what lands there; by hand, the output goes to web/dist.
const outDir = process.env.PALMGRID_WEB_OUT || 'dist'

export default defineConfig({
  plugins: [
    vue(),
    selfHostedVantIconFont(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      // public/ files are precached through globPatterns below; don't add the icons twice.
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: '掌上网格 palmgrid',
        short_name: '掌上网格',
        description: '网格化视频监控与掌上社区 — grid video surveillance and community governance',
        lang: 'zh-CN',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#f7f8fa',
        theme_color: '#1989fa',
        categories: ['government', 'utilities'],
        icons: [
          { src: 'pwa-64x64.png', sizes: '64x64', type: 'image/png' },
          { src: 'pwa-192x192.png', sizes: '192x192', type: 'image/png' },
          { src: 'pwa-512x512.png', sizes: '512x512', type: 'image/png' },
          { src: 'maskable-icon-512x512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // Only the app shell is precached. The API is never cached: no runtime caching
        // rule matches /api/, and navigations to /api/ or /healthz never get the shell.
        globPatterns: ['**/*.{js,css,html,svg,png,ico,woff2,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/healthz/],
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
      },
      devOptions: { enabled: false },
    }),
  ],
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: backend, changeOrigin: false, ws: true },
      '/healthz': { target: backend, changeOrigin: false },
    },
  },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2020',
    // Deterministic, small output for embedding in the binary.
    sourcemap: false,
    reportCompressedSize: true,
  },
})
