// @ts-check
/**
 * A name for a device from its User-Agent header: "Firefox on Windows". Rough on purpose: enough
 * to recognise your own devices in a list, not a fingerprint.
 */

/** @type {readonly [RegExp, string][]} Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Chrome (headless)'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node\b|\bundici\b/i, 'Node.js'],
];

/** @type {readonly [RegExp, string][]} iOS before macOS (iPad says "Mac OS X"), Android before Linux. */
const SYSTEMS = [
  [/\biPhone|\biPad|\biPod/, 'iOS'],
  [/\bWindows NT\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/**
 * @param {string | null | undefined} userAgent
 * @returns {string}
 */
export function describeUserAgent(userAgent) {
  if (!userAgent) return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? (system ? `Browser on ${system}` : 'Unknown device');
}
