// What may leave the page, made safe. URLs keep origin + path (tokens hide in userinfo, queries and fragments);
// messages lose digit runs, because onnxruntime-web's errors quote input values ("idx=8123 must be within...");
// error details go only through a list of known, harmless fields (safe-error.ts).

/** Longest text read before redaction: a bound on the work for a message of any size. */
const MAX_SCAN = 2000;

/** Every URL in `text` cut to origin + path: no `user:password@`, query or fragment; a `data:` URL becomes `data:`. */
export function redactUrls(text: string): string {
  return text.replace(/\S+/g, redactWord);
}

function redactWord(word: string): string {
  let w = word.replace(/\bdata:[^,]*,.*/i, 'data:');
  if (!w.includes('/')) return w;
  w = w.replace(/(:\/\/)[^/?#]*@/g, '$1');
  const cut = w.search(/[?#]/);
  return cut < 0 ? w : w.slice(0, cut);
}

/**
 * A model id or version as it may be sent. Without an `id`, a model's id is the URL it was loaded from, possibly
 * relative (`m.onnx?sig=...`), so everything from the first `?` or `#` goes, and URLs lose their userinfo.
 */
export function redactId(id: string): string {
  let out = ids.get(id);
  if (out === undefined) {
    const cut = id.search(/[?#]/);
    out = redactUrls(cut < 0 ? id : id.slice(0, cut));
    if (ids.size >= 64) ids.clear();
    ids.set(id, out);
  }
  return out;
}

/** The last results of redactId(): ids repeat on every run, so recording an inference seldom redacts. */
const ids = new Map<string, string>();

/** A message as it may be sent: URLs redacted, digit runs replaced by `#`, at most `max` characters. */
export function redactMessage(text: string, max: number): string {
  let t = text;
  if (t.length > MAX_SCAN) {
    // The cut may split a URL, leaving a part the URL rules no longer recognize: drop the last word.
    t = t.slice(0, MAX_SCAN);
    t = t.slice(0, Math.max(0, t.search(/\s\S*$/)));
  }
  t = redactUrls(t).replace(/\d+/g, '#');
  return t.length > max ? t.slice(0, max) : t;
}
