// Called by canhgiac.sphinxext.pwa when the book's build finishes:
//   node build-sw.mjs <settings.json>
//
// settings.json: {"directory": the built book, "files": [paths to precache, relative
// to it], "purge": [style sheets to prune], "content": [the pages and scripts whose
// class names and tags the style sheets must keep], "swDest": where sw.js goes}.
//
// 1. PurgeCSS drops the rules of the theme's style sheets that match nothing in any
//    page or script (pydata-sphinx-theme ships ~400 KB of CSS for every feature it has).
// 2. Workbox hashes every file of the precache (its revision) and writes a service
//    worker that precaches them all.
// Printed on stdout: {count, size, warnings, purged: {file: [bytes before, after]}}.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PurgeCSS } from "purgecss";
import { generateSW } from "workbox-build";

const settings = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const at = (name) => join(settings.directory, name);

const purged = {};
if (settings.purge.length) {
  const results = await new PurgeCSS().purge({
    content: settings.content.map(at),
    css: settings.purge.map(at),
    // Kept whatever the pages say: the colour modes and states that scripts set
    // on <html> and on elements at run time (pydata-sphinx-theme, Bootstrap).
    safelist: {
      standard: [/^data-/, /^show$/, /^collaps/, /^fade/, /^modal/, /^tooltip/, /^bs-/, /^active$/],
      greedy: [/data-theme/, /data-mode/, /tooltip/, /search/, /pst-/],
    },
    // Keeps @font-face, keyframes and custom properties that the kept rules use.
    fontFace: false,
    keyframes: false,
    variables: false,
  });
  for (const result of results) {
    const before = statSync(result.file).size;
    writeFileSync(result.file, result.css);
    purged[result.file.slice(settings.directory.length + 1)] = [before, Buffer.byteLength(result.css)];
  }
}

const result = await generateSW({
  globDirectory: settings.directory,
  // Exact paths are globs that match one file each: the list is the precache.
  globPatterns: settings.files,
  globFollow: false,
  swDest: settings.swDest,
  mode: "production",
  sourcemap: false,
  // One file, no workbox-<hash>.js beside it: one request fewer on every update check.
  inlineWorkboxRuntime: true,
  // A new version waits until the learner presses "Tải lại" (the page sends
  // SKIP_WAITING): pages of two versions are never mixed in one tab.
  skipWaiting: false,
  // The first visit's page is controlled at once, so the course is offline from then on.
  clientsClaim: true,
  cleanupOutdatedCaches: true,
  // Sphinx and the theme add ?v=<checksum> and ?digest=<hash> to their assets'
  // URLs, the search form sends ?q=...&check_keywords=...&area=..., and a search
  // result links to page.html?highlight=...: the precache entry is the file itself,
  // whose scripts read the query.
  ignoreURLParametersMatching: [/^v$/, /^digest$/, /^utm_/, /^q$/, /^check_keywords$/, /^area$/, /^highlight$/],
  directoryIndex: "index.html",
  maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
});
process.stdout.write(JSON.stringify({ count: result.count, size: result.size, warnings: result.warnings, purged }));
