// Headless Chromium for every browser-level test and the bench: Debian's chromium (CHROMIUM overrides
// the path) driven by playwright-core, never a downloaded browser. The flags keep it from reaching for
// the network at start-up (this machine's closed network refuses those connections) and from needing
// a GPU, a sandbox (the tests run as root) or a first-run profile.
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

/** A new headless Chromium (close it when done). */
export const launchChromium = () => chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
