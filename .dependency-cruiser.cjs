// Glyphdesk's layers, checked by `npm run lint:deps` (part of `npm test`). Rooms import downward only:
//
//   hosts      cli/  ipc/  server/  index.ts (Electron)
//   stages     read/ (page → PageDoc)  learn/ (corrections → models)  interchange/ (other tools' files → PageDoc)  lab/  project/  jobs/
//   domain     data/  vision/ (pixels)  recognize/ (classifiers)  export/ (writers)
//   numbers    nn/
//   floor      core/ (atomic files, errors, events, version, model manifest)
//   contract   src/shared/ — importable by every process, importing none
//
// The renderer and preload never import the main process; shared never imports a process.
/** @type {import('dependency-cruiser').IConfiguration} */
const MAIN = '^src/main/'
module.exports = {
  forbidden: [
    {
      name: 'core-is-the-floor',
      comment: 'core/ is imported by all and imports only src/shared',
      severity: 'error',
      from: { path: `${MAIN}core/` },
      to: { path: '^src/(main/(?!core/)|renderer/|preload/)' }
    },
    {
      name: 'nn-imports-only-core',
      comment: 'nn/ is numbers: it sees core/ and shared/ only',
      severity: 'error',
      from: { path: `${MAIN}nn/` },
      to: { path: `${MAIN}(?!nn/|core/)` }
    },
    {
      name: 'domain-below-stages',
      comment: 'data, vision, recognize and export never reach up to stages or hosts',
      severity: 'error',
      from: { path: `${MAIN}(data|vision|recognize|export)/` },
      to: { path: `${MAIN}(read|learn|interchange|lab|project|jobs|cli|ipc|server)/|${MAIN}index\\.ts$` }
    },
    {
      name: 'vision-is-pixels',
      comment: 'vision/ knows nothing of classifiers, exports or data sets; read/ composes them',
      severity: 'error',
      from: { path: `${MAIN}vision/` },
      to: { path: `${MAIN}(recognize|export|data)/` }
    },
    {
      name: 'recognize-is-classifiers',
      comment: 'recognize/ knows nothing of pages; read/ composes them',
      severity: 'error',
      from: { path: `${MAIN}recognize/` },
      to: { path: `${MAIN}(vision|export)/` }
    },
    {
      name: 'export-is-writers',
      comment: 'export/ turns a PageDoc into files: it needs the contract only',
      severity: 'error',
      from: { path: `${MAIN}export/` },
      to: { path: `${MAIN}(data|vision|recognize|nn)/` }
    },
    {
      name: 'stages-below-hosts',
      comment: 'read, learn, lab, project and jobs are called by hosts, never the reverse',
      severity: 'error',
      from: { path: `${MAIN}(read|learn|interchange|lab|project|jobs)/` },
      to: { path: `${MAIN}(cli|ipc|server)/|${MAIN}index\\.ts$` }
    },
    {
      name: 'read-below-app',
      comment: 'the reading stage serves learn, lab, project and jobs',
      severity: 'error',
      from: { path: `${MAIN}read/` },
      to: { path: `${MAIN}(learn|interchange|lab|project|jobs)/` }
    },
    {
      name: 'ipc-below-hosts',
      comment: 'route factories are hosted by Electron and the server, and know neither',
      severity: 'error',
      from: { path: `${MAIN}ipc/` },
      to: { path: `${MAIN}(cli|server)/|${MAIN}index\\.ts$` }
    },
    { name: 'server-not-cli', severity: 'error', from: { path: `${MAIN}server/` }, to: { path: `${MAIN}cli/` } },
    {
      name: 'shared-is-the-contract',
      comment: 'src/shared is imported by main, preload and renderer, and imports none of them',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(main|renderer|preload)/' }
    },
    {
      name: 'renderer-not-main',
      comment: 'the renderer talks to main through the contract only',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/(main|preload)/' }
    },
    {
      name: 'preload-not-main',
      severity: 'error',
      from: { path: '^src/preload/' },
      to: { path: '^src/(main|renderer)/' }
    },
    {
      name: 'main-not-renderer',
      severity: 'error',
      from: { path: '^src/main/' },
      to: { path: '^src/(renderer|preload)/' }
    },
    {
      name: 'no-cycles',
      comment: 'a cycle makes load order matter and hides a missing layer',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.mjs', '.js'] }
  }
}
