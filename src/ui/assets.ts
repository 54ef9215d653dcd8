// The dashboard's page, script and style sheet: plain files in ./assets/, shipped with the package
// (the build copies them beside the bundle) and read once, on the first request that needs them.
import { readFileSync } from "node:fs";

/** The dashboard's files, by the name they are served under. */
export const UI_FILES = {
  page: "index.html",
  signIn: "sign-in.html",
  script: "app.js",
  style: "app.css",
} as const;

/** A file of the dashboard. */
export type UiFile = keyof typeof UI_FILES;

const cache = new Map<UiFile, string>();

/** The text of one dashboard file. */
export function uiFile(name: UiFile): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./assets/${UI_FILES[name]}`, import.meta.url), "utf8");
    cache.set(name, text);
  }
  return text;
}
