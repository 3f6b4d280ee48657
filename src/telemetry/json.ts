// Pieces of OTLP/HTTP JSON, written by hand (lowerCamelCase keys, enums as ints, 64-bit ints as decimal strings).
// Strings are escaped to ASCII, so a body's length in characters is its size in bytes.
import { redactUrls } from './redact.js';

export type AttributeValue = string | number | boolean;

export function str(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * `[{"key":..,"value":{..}},..]`, skipping undefined and empty-string values; `''` when nothing is left. String
 * values pass through redactUrls() whatever their source: no attribute carries a URL's userinfo, query or fragment.
 */
export function attributes(values: Readonly<Record<string, AttributeValue | undefined>>): string {
  const out: string[] = [];
  for (const key in values) {
    const v = values[key];
    if (v === undefined || v === '') continue;
    const value = typeof v === 'string' ? `{"stringValue":${str(redactUrls(v))}}`
      : typeof v === 'boolean' ? `{"boolValue":${v}}`
      : Number.isSafeInteger(v) ? `{"intValue":"${v}"}`
      : `{"doubleValue":${Number.isFinite(v) ? v : 0}}`;
    out.push(`{"key":${str(key)},"value":${value}}`);
  }
  return out.length ? `[${out.join(',')}]` : '';
}

/** Epoch milliseconds as OTLP nanoseconds (a decimal string), to the microsecond. */
export function nanos(ms: number): string {
  const us = Math.round(ms * 1000);
  return us > 0 ? `${us}000` : '0';
}
