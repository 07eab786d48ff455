/**
 * The preview of a message's first link, as a `previews` event carries it and history shows it
 * on the message. Free of zod, so the store, the SDK and the page share it.
 */
export interface LinkPreview {
  /** The page the preview describes (after redirects), http(s) only. */
  url: string;
  title?: string;
  description?: string;
  siteName?: string;
  /** The page's og:image, http(s) only; the page does not load it (no hot-linking). */
  image?: string;
}

/** Longest fields a preview keeps, in UTF-16 code units (longer ones are cut). */
export const PREVIEW_LIMITS = {
  url: 2048,
  title: 300,
  description: 1000,
  siteName: 100,
  image: 2048,
} as const;
