// The manage page's card form: runs the payment form's own module (Stripe's) to store a new
// card and confirm it for later charges, 3-D Secure included, then shows the page again.

const config = JSON.parse(document.getElementById("manage-config").textContent);
const form = document.getElementById("card-update");
const fields = document.getElementById("card-fields");
const button = document.getElementById("card-save");
const statusLine = document.getElementById("card-status");
const alertBox = document.getElementById("card-alert");

class FieldError extends Error {
  constructor(field, message, focus) {
    super(message);
    this.field = field;
    this.focus = focus;
  }
}

function text(key) {
  return config.messages[key] || key;
}

function errorSlot(field) {
  const id = field.getAttribute("aria-describedby");
  return (id && document.getElementById(id)) ||
    field.closest(".field")?.querySelector(".field-error") || null;
}

function showFieldError(error) {
  const slot = errorSlot(error.field);
  if (slot) {
    slot.textContent = error.message;
    slot.hidden = false;
  }
  error.field.setAttribute("aria-invalid", "true");
}

function showAlert(message) {
  alertBox.textContent = message;
  alertBox.hidden = false;
  alertBox.focus();
}

const checkout = {
  donor: config.donor,
  text,
  fieldError: (field, message, focus) => new FieldError(field, message, focus),
  showFieldError: (field, message) => showFieldError(new FieldError(field, message)),
  clearFieldError(field) {
    const slot = errorSlot(field);
    if (slot) slot.hidden = true;
    field.removeAttribute("aria-invalid");
  },
  setStatus(message) {
    statusLine.textContent = message;
  },
  async saveCard(body) {
    const response = await fetch(config.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok && answer.error) throw new Error(answer.error.message);
    if (!response.ok) throw new Error(text("card_not_saved"));
    return answer;
  },
};

let controller = null;

async function save(event) {
  event.preventDefault();
  alertBox.hidden = true;
  button.disabled = true;
  fields.disabled = true;
  checkout.setStatus(text("saving_card"));
  try {
    await controller.save();
    location.assign(config.done);
  } catch (error) {
    checkout.setStatus("");
    if (error instanceof FieldError) {
      showFieldError(error);
      if (error.focus) error.focus();
    } else {
      showAlert(error.message || text("card_not_saved"));
    }
    button.disabled = false;
    fields.disabled = false;
  }
}

async function start() {
  const panel = form.querySelector(".payment-form");
  const module = await import(config.script);
  controller = await module.mount(panel, config.config, checkout);
  if (typeof controller.save !== "function") return;  // this form cannot save a card
  form.addEventListener("submit", save);
  fields.disabled = false;
  button.disabled = false;
  form.dataset.ready = "true";
}

start().catch((error) => {
  console.error(error);
  showAlert(text("load_failed"));
});
