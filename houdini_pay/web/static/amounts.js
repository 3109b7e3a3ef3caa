// Reading a typed amount the way the page's locale writes numbers: the same rules as
// houdini_pay/web/amounts.py (both are checked against tests/web/amount_cases.json).
// `format` is the page config's amount_format: separators and grouping from Babel.

const SPACES = /[\u0020\u00a0\u202f\u2009]/g;
const MARKS = new Set([".", ",", "'", "\u2019", " "]);

export class AmountError extends Error {
  // `code` is stable (amount_invalid, amount_ambiguous, amount_too_precise); `message` is
  // the key of the words that say how to write the amount (checkout.text).
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function exampleAmount(format) {
  return format.exponent ? `25${format.decimal}${"0".repeat(format.exponent)}` : "2500";
}

function wholeDigits(format, whole, group) {
  if (!whole.includes(group)) {
    if (!/^\d+$/.test(whole)) throw new AmountError("amount_invalid", "amount_invalid");
    return whole;
  }
  const parts = whole.split(group);
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1);
  const wellFormed = parts.every((p) => /^\d+$/.test(p)) &&
    last.length === format.primary_group &&
    first.length >= 1 && first.length <= format.secondary_group &&
    middle.every((p) => p.length === format.secondary_group);
  if (!wellFormed) throw ambiguous(format);
  return parts.join("");
}

function ambiguous(format) {
  return new AmountError(
    "amount_ambiguous", format.exponent ? "amount_ambiguous" : "amount_ambiguous_whole",
  );
}

export function readAmountWith(format, typed, maxAmount = Number.MAX_SAFE_INTEGER) {
  let cleaned = String(typed).trim().split(format.symbol).join("").split(format.currency).join("");
  cleaned = cleaned.replace(/\p{Sc}/gu, "").replace(SPACES, " ").trim();
  const group = /^[\u0020\u00a0\u202f\u2009]$/.test(format.group) ? " " : format.group;
  if (group !== " ") cleaned = cleaned.replace(/ /g, "");
  if (!cleaned || !/^[0-9.,'\u2019 ]+$/.test(cleaned) || !/^\d/.test(cleaned)) {
    throw new AmountError("amount_invalid", "amount_invalid");
  }
  if ([...cleaned].some((c) => MARKS.has(c) && c !== format.decimal && c !== group)) {
    throw ambiguous(format);
  }
  const at = cleaned.indexOf(format.decimal);
  const whole = at < 0 ? cleaned : cleaned.slice(0, at);
  const fraction = at < 0 ? "" : cleaned.slice(at + 1);
  if (fraction.includes(format.decimal) || fraction.includes(group)) {
    throw new AmountError("amount_invalid", "amount_invalid");
  }
  if (fraction.length > format.exponent) {
    const key = format.exponent ? "amount_too_precise" : "amount_no_decimals";
    throw new AmountError("amount_too_precise", key);
  }
  if (!fraction && at >= 0) throw new AmountError("amount_invalid", "amount_invalid");
  const digits = wholeDigits(format, whole, group);
  const minor = Number(digits) * 10 ** format.exponent +
    Number(fraction.padEnd(format.exponent, "0") || 0);
  if (!(minor > 0) || minor > maxAmount) throw new AmountError("amount_invalid", "amount_invalid");
  return minor;
}
