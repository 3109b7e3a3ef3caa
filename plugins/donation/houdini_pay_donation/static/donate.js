// The donation page's part of the checkout: the amount, how often, and what the gift is for.
// checkout.js calls purchase() when the donor submits; see docs/plugin-authors.md.

export function setup(form, config, checkout) {
  const custom = form.querySelector("#amount-custom");
  const presets = [...form.querySelectorAll('input[name="preset"]')];
  const frequencies = [...form.querySelectorAll('input[name="frequency"]')];
  const frequencyHint = form.querySelector("#frequency-hint");
  const dedicationType = form.querySelector("#dedication-type");
  const dedicationName = form.querySelector("#dedication-name");
  const designation = form.querySelector("#designation");

  const frequency = () => frequencies.find((f) => f.checked)?.value || "once";
  // A typed amount far above the presets is asked about once before it is paid; the
  // presets shown may be the nonprofit's own, so the threshold follows them.
  let confirmedAmount = null;
  const largestPreset = Math.max(0, ...presets.map((p) => Number(p.value)));
  const confirmAbove = config.confirm_multiple && largestPreset
    ? config.confirm_multiple * largestPreset
    : config.confirm_above;

  function amount() {
    if (custom.value.trim()) return checkout.parseAmount(custom.value);
    const preset = presets.find((p) => p.checked);
    return preset ? Number(preset.value) : null;
  }

  function update() {
    const value = amount();
    checkout.setTotal(value);
    const key = { month: "per_month", year: "per_year" }[frequency()];
    if (value && key) {
      const total = form.querySelector("[data-total]");
      total.textContent = checkout.text(key, { amount: total.textContent });
    }
  }

  custom.addEventListener("input", () => {
    if (custom.value.trim()) presets.forEach((p) => (p.checked = false));
    checkout.clearFieldError(custom);
    update();
  });
  presets.forEach((p) => p.addEventListener("change", () => {
    custom.value = "";
    checkout.clearFieldError(custom);
    update();
  }));
  frequencies.forEach((f) => f.addEventListener("change", update));

  // A processor that cannot charge without the donor (a bank transfer) takes one-time gifts.
  checkout.onMethodChange((method) => {
    if (!frequencies.length) return;
    const repeats = Boolean(method && method.off_session);
    for (const f of frequencies) {
      if (f.value !== "once") f.disabled = !repeats;
    }
    if (!repeats && frequency() !== "once") frequencies[0].checked = true;
    frequencyHint.hidden = repeats;
    update();
  });
  update();

  return {
    purchase() {
      let value;
      if (custom.value.trim()) {
        try {
          value = checkout.readAmount(custom.value);
        } catch (error) {
          if (!(error instanceof checkout.AmountError)) throw error;
          throw checkout.fieldError(custom, error.message);
        }
        if (confirmAbove && value > confirmAbove && value !== confirmedAmount) {
          confirmedAmount = value;
          throw checkout.fieldError(
            custom, checkout.text("amount_confirm", { amount: checkout.formatAmount(value) }),
          );
        }
      } else {
        value = amount();
      }
      if (value === null || value <= 0) {
        throw checkout.fieldError(custom, checkout.text("amount_required"));
      }
      const typeObject = {};
      if (designation.value.trim()) typeObject.designation = designation.value.trim();
      if (dedicationType.value) {
        if (!dedicationName.value.trim()) {
          form.querySelector("details.more").open = true;
          throw checkout.fieldError(dedicationName, checkout.text("dedication_name_required"));
        }
        typeObject.dedication = { type: dedicationType.value, name: dedicationName.value.trim() };
      }
      if (frequency() === "once") {
        return { amount: value, payment_type: "donation", type_object: typeObject };
      }
      return {
        amount: value,
        payment_type: "recurring_donation",
        type_object: { ...typeObject, interval: frequency(), interval_count: 1 },
      };
    },
  };
}
