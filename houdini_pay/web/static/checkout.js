// The donor page's submission: checks the fields, then runs the chosen payment form.
//
// It loads the page's module (what is bought) and each payment form's module (how the
// processor takes the details), hands both the `checkout` object below, and talks to the
// public endpoints with the page's CSRF token and one idempotency key per submission, kept
// until the submission has an outcome: a double click or a resubmit is charged once.

const config = JSON.parse(document.getElementById("checkout-config").textContent);
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const form = document.getElementById("checkout");
const alertBox = document.getElementById("form-alert");
const statusLine = document.getElementById("status");
const button = document.getElementById("pay-button");
const totalLabel = button.querySelector("[data-total]");
const KEY_STORE = `houdini-pay:submission:${location.pathname}`;
const POLL_EVERY_MS = 1000;
const POLL_FOR_MS = 90000;

class FieldError extends Error {
  constructor(field, message, focus) {
    super(message);
    this.field = field;
    this.focus = focus;
  }
}

class RequestError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `the server answered ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : null;
    this.body = body;
  }
}

// -- the submission key -----------------------------------------------------------------

function newKey() {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

let submissionKey = sessionStorage.getItem(KEY_STORE) || newKey();

function keepKey() {
  sessionStorage.setItem(KEY_STORE, submissionKey);
}

function finishKey() {
  // The submission has an outcome: the next one is a new payment with a new key.
  sessionStorage.removeItem(KEY_STORE);
  submissionKey = newKey();
}

// -- talking to the server ----------------------------------------------------------------

async function call(method, path, body) {
  const response = await fetch(`${config.endpoint}/${submissionKey}${path}`, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok && response.status !== 402) throw new RequestError(response.status, answer);
  return answer;
}

// -- words --------------------------------------------------------------------------------

function text(key, values = {}) {
  // The page's words in its language (config.messages, translated on the server).
  const all = {
    example: amountExample(),
    currency: config.currency,
    decimals: amounts.exponent,
    decimal_name: config.messages[amounts.decimal === "," ? "decimal_comma" : "decimal_point"],
    ...values,
  };
  const message = config.messages[key] || key;
  return message.replace(/\{(\w+)\}/g, (whole, name) => (name in all ? String(all[name]) : whole));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// -- showing errors -----------------------------------------------------------------------

function errorSlot(field) {
  // The slot a field names (data-error-slot), else "<id>-error", else its .field's slot.
  if (field.dataset?.errorSlot) return document.getElementById(field.dataset.errorSlot);
  const id = field.id ? `${field.id}-error` : null;
  const slot = (id && document.getElementById(id)) ||
    field.closest(".field")?.querySelector(".field-error");
  return slot || null;
}

function showFieldError(error) {
  const slot = errorSlot(error.field);
  if (slot) {
    slot.textContent = error.message;
    slot.hidden = false;
  }
  error.field.setAttribute("aria-invalid", "true");
  error.field.closest(".field")?.classList.add("has-error");
}

function clearErrors() {
  alertBox.hidden = true;
  alertBox.textContent = "";
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  for (const field of form.querySelectorAll(".has-error")) field.classList.remove("has-error");
}

function showAlert(message) {
  alertBox.textContent = message;
  alertBox.hidden = false;
  alertBox.focus();
}

function focusOn(error) {
  if (error.focus) error.focus();
  else error.field.focus();
}

// -- money --------------------------------------------------------------------------------
// Amounts are read the way the page's locale writes them (config.amount_format, from
// Babel on the server; houdini_pay/web/amounts.py reads by the same rules): "5,00" on a
// German page is five euros, on an English page it is refused, never read as 500.

const amounts = config.amount_format;
const SPACES = /[\u0020\u00a0\u202f\u2009]/g;
const MARKS = new Set([".", ",", "'", "\u2019", " "]);

const money = new Intl.NumberFormat(amounts.locale, {
  style: "currency",
  currency: config.currency,
  minimumFractionDigits: amounts.exponent,
  maximumFractionDigits: amounts.exponent,
});

function formatAmount(minorUnits) {
  return money.format(minorUnits / 10 ** amounts.exponent);
}

class AmountError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function amountExample() {
  return amounts.exponent ? `25${amounts.decimal}${"0".repeat(amounts.exponent)}` : "2500";
}

function wholeDigits(whole, group) {
  if (!whole.includes(group)) {
    if (!/^\d+$/.test(whole)) throw new AmountError("amount_invalid", text("amount_invalid"));
    return whole;
  }
  const parts = whole.split(group);
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1);
  const wellFormed = parts.every((p) => /^\d+$/.test(p)) &&
    last.length === amounts.primary_group &&
    first.length >= 1 && first.length <= amounts.secondary_group &&
    middle.every((p) => p.length === amounts.secondary_group);
  if (!wellFormed) {
    const key = amounts.exponent ? "amount_ambiguous" : "amount_ambiguous_whole";
    throw new AmountError("amount_ambiguous", text(key));
  }
  return parts.join("");
}

function readAmount(typed) {
  // Whole minor units of the typed amount, or an AmountError saying how to write it.
  let cleaned = String(typed).trim().split(amounts.symbol).join("").split(config.currency).join("");
  cleaned = cleaned.replace(/\p{Sc}/gu, "").replace(SPACES, " ").trim();
  const group = /^[\u0020\u00a0\u202f\u2009]$/.test(amounts.group) ? " " : amounts.group;
  if (group !== " ") cleaned = cleaned.replace(/ /g, "");
  if (!cleaned || !/^[0-9.,'\u2019 ]+$/.test(cleaned) || !/^\d/.test(cleaned)) {
    throw new AmountError("amount_invalid", text("amount_invalid"));
  }
  if ([...cleaned].some((c) => MARKS.has(c) && c !== amounts.decimal && c !== group)) {
    const key = amounts.exponent ? "amount_ambiguous" : "amount_ambiguous_whole";
    throw new AmountError("amount_ambiguous", text(key));
  }
  const at = cleaned.indexOf(amounts.decimal);
  const whole = at < 0 ? cleaned : cleaned.slice(0, at);
  const fraction = at < 0 ? "" : cleaned.slice(at + 1);
  if (fraction.includes(amounts.decimal) || fraction.includes(group)) {
    throw new AmountError("amount_invalid", text("amount_invalid"));
  }
  if (fraction.length > amounts.exponent) {
    const key = amounts.exponent ? "amount_too_precise" : "amount_no_decimals";
    throw new AmountError("amount_too_precise", text(key));
  }
  if (!fraction && at >= 0) throw new AmountError("amount_invalid", text("amount_invalid"));
  const digits = wholeDigits(whole, group);
  const minor = Number(digits) * 10 ** amounts.exponent +
    Number(fraction.padEnd(amounts.exponent, "0") || 0);
  if (!(minor > 0) || minor > config.max_amount) {
    throw new AmountError("amount_invalid", text("amount_invalid"));
  }
  return minor;
}

function parseAmount(typed) {
  // Whole minor units, or null if it is not an amount (readAmount says why).
  try {
    return readAmount(typed);
  } catch (error) {
    if (error instanceof AmountError) return null;
    throw error;
  }
}

// -- the object handed to the page's and the forms' modules ------------------------------

const methodListeners = [];
let purchase = null;

function selectedProcessor() {
  const chosen = form.querySelector('input[name="processor"]:checked') ||
    form.querySelector('input[name="processor"]');
  return chosen ? chosen.value : null;
}

function selectedForm() {
  return config.forms.find((f) => f.processor === selectedProcessor());
}

const checkout = {
  currency: config.currency,
  exponent: config.exponent,
  formatAmount,
  parseAmount,
  readAmount,
  AmountError,
  amountExample,
  text,
  FieldError,
  fieldError: (field, message, focus) => new FieldError(field, message, focus),
  clearFieldError(field) {
    const slot = errorSlot(field);
    if (slot) slot.hidden = true;
    field.removeAttribute("aria-invalid");
    field.closest(".field")?.classList.remove("has-error");
  },
  showFieldError: (field, message) => showFieldError(new FieldError(field, message)),
  setTotal(amount) {
    totalLabel.textContent = amount ? formatAmount(amount) : "";
  },
  onMethodChange(listener) {
    methodListeners.push(listener);
    listener(selectedForm());
  },
  setStatus(message) {
    statusLine.textContent = message;
  },
  get donor() {
    return {
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
    };
  },
  get purchase() {
    return purchase;
  },
  prepare(data = {}) {
    return call("POST", "/prepare", { processor: selectedProcessor(), data });
  },
  createSource(sourceObject) {
    return call("POST", "/source", { processor: selectedProcessor(), source_object: sourceObject });
  },
  async pay(processingObject = {}) {
    try {
      const outcome = await call("POST", "/payment", {
        processor: selectedProcessor(),
        amount: purchase.amount,
        currency: config.currency,
        payment_type: purchase.payment_type,
        type_object: purchase.type_object,
        processing_object: processingObject,
      });
      lastOutcome = outcome;
      return outcome;
    } catch (error) {
      // Another tab, or a retried request, is paying with this key: wait for its outcome.
      if (error.code === "idempotency_in_flight") return checkout.waitForOutcome();
      throw error;
    }
  },
  async waitForOutcome() {
    const deadline = Date.now() + POLL_FOR_MS;
    checkout.setStatus(text("waiting"));
    while (Date.now() < deadline) {
      const outcome = await call("GET", "");
      if (!["requires_action", "unknown", "not_paid"].includes(outcome.status)) {
        lastOutcome = outcome;
        return outcome;
      }
      await sleep(POLL_EVERY_MS);
    }
    return { status: "unknown", error: null };
  },
};

// -- the submission -----------------------------------------------------------------------

let page = null;
const controllers = new Map();
let busy = false;
// The key's payment outcome: once it failed (or its 3-D Secure challenge did), the key is
// used up; while it is unknown the key is kept, so paying again replays it, never charges.
let lastOutcome = null;

function keyUsedUp() {
  return lastOutcome !== null && ["failed", "requires_action"].includes(lastOutcome.status);
}

function checkDonor() {
  const errors = [];
  const { name, email } = checkout.donor;
  if (!name) errors.push(new FieldError(form.elements.name, text("name_required")));
  if (!email) errors.push(new FieldError(form.elements.email, text("email_required")));
  else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    errors.push(new FieldError(form.elements.email, text("email_invalid")));
  }
  return errors;
}

function setBusy(value) {
  busy = value;
  button.disabled = value;
  button.setAttribute("aria-busy", String(value));
  form.classList.toggle("is-busy", value);
}

async function submit(event) {
  event.preventDefault();
  if (busy) return; // a second click while the first runs is not a second payment
  clearErrors();
  const errors = [];
  try {
    purchase = page.purchase();
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    errors.push(error);
  }
  errors.push(...checkDonor());
  if (errors.length) {
    errors.forEach(showFieldError);
    focusOn(errors[0]);
    return;
  }
  const controller = controllers.get(selectedProcessor());
  setBusy(true);
  lastOutcome = null;
  keepKey();
  checkout.setStatus(text("processing"));
  try {
    await call("POST", "", { page: config.page, page_name: config.page_name, ...checkout.donor });
    const outcome = await controller.pay(purchase);
    if (outcome.confirmation_url) {
      finishKey();
      checkout.setStatus(text("opening_confirmation"));
      location.assign(outcome.confirmation_url);
      return;
    }
    if (outcome.status === "failed") {
      finishKey();
      showAlert(outcome.error ? outcome.error.message : text("not_completed"));
    } else {
      showAlert(text("not_confirmed_yet"));
    }
  } catch (error) {
    if (keyUsedUp()) finishKey();
    if (error instanceof FieldError) {
      showFieldError(error);
      focusOn(error);
    } else if (error instanceof RequestError) {
      if (["submission_already_paid", "submission_key_reused"].includes(error.code)) finishKey();
      showAlert(error.message);
    } else {
      showAlert(text("unexpected"));
      console.error(error);
    }
  } finally {
    checkout.setStatus("");
    if (!location.href.includes("/thanks/")) setBusy(false);
  }
}

async function start() {
  const pageModule = await import(config.page_script);
  page = pageModule.setup(form, config.page_config, checkout);
  for (const entry of config.forms) {
    const panel = document.getElementById(`${entry.prefix}panel`);
    const module = await import(entry.script);
    controllers.set(entry.processor, await module.mount(panel, entry.config, checkout));
  }
  for (const radio of form.querySelectorAll('input[name="processor"]')) {
    radio.addEventListener("change", () => {
      for (const entry of config.forms) {
        document.getElementById(`${entry.prefix}panel`).hidden = entry.processor !== radio.value;
      }
      clearErrors();
      methodListeners.forEach((listener) => listener(selectedForm()));
    });
  }
  form.addEventListener("submit", submit);
  // Only now may anything be typed or sent: a click before this point did nothing.
  document.getElementById("checkout-fields").disabled = false;
  button.disabled = false;
  form.dataset.ready = "true";
}

start().catch((error) => {
  console.error(error);
  showAlert(text("load_failed"));
  button.disabled = true;
});
