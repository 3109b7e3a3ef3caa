import { AmountError, exampleAmount, readAmountWith } from "./amounts.js";

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

const PREVIOUS_STORE = `houdini-pay:previous:${location.pathname}`;
let submissionKey = sessionStorage.getItem(KEY_STORE) || newKey();

function keepKey() {
  sessionStorage.setItem(KEY_STORE, submissionKey);
}

function finishKey({ paid = false } = {}) {
  // The submission has an outcome: the next one is a new payment with a new key. One that
  // was not paid is remembered, so that a retry is made for the same supporter.
  if (paid) sessionStorage.removeItem(PREVIOUS_STORE);
  else if (sessionStorage.getItem(KEY_STORE)) sessionStorage.setItem(PREVIOUS_STORE, submissionKey);
  sessionStorage.removeItem(KEY_STORE);
  submissionKey = newKey();
}

async function resumeStoredKey() {
  // A reload (during 3-D Secure, say) keeps the key: ask how its payment stands before the
  // donor pays again. Paid: its confirmation. Declined or left unfinished: nothing was
  // charged, and the next payment gets a new key.
  if (!sessionStorage.getItem(KEY_STORE)) return;
  let outcome;
  try {
    outcome = await call("GET", "");
  } catch (error) {
    if (error instanceof RequestError && error.status === 404) return; // never started
    throw error;
  }
  if (outcome.confirmation_url) {
    finishKey({ paid: true });
    location.assign(outcome.confirmation_url);
  } else if (["failed", "requires_action"].includes(outcome.status)) {
    finishKey();
    showAlert(text("interrupted"));
  }
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

const money = new Intl.NumberFormat(amounts.locale, {
  style: "currency",
  currency: config.currency,
  minimumFractionDigits: amounts.exponent,
  maximumFractionDigits: amounts.exponent,
});

function formatAmount(minorUnits) {
  return money.format(minorUnits / 10 ** amounts.exponent);
}

function amountExample() {
  return exampleAmount(amounts);
}

function readAmount(typed) {
  // Whole minor units of the typed amount, or an AmountError saying how to write it.
  try {
    return readAmountWith(amounts, typed, config.max_amount);
  } catch (error) {
    if (error instanceof AmountError) throw new AmountError(error.code, text(error.message));
    throw error;
  }
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
    const previous = sessionStorage.getItem(PREVIOUS_STORE);
    await call("POST", "", {
      page: config.page,
      page_name: config.page_name,
      ...checkout.donor,
      ...(previous && previous !== submissionKey ? { previous } : {}),
    });
    const outcome = await controller.pay(purchase);
    if (outcome.confirmation_url) {
      finishKey({ paid: true });
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
      const over = ["submission_already_paid", "submission_not_completed", "submission_key_reused"];
      if (over.includes(error.code)) finishKey();
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
  await resumeStoredKey();
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
