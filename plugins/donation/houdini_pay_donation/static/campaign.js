// The campaign page's part of the checkout: the amount and, if the donor likes, a thank-you
// gift. checkout.js calls purchase() when the donor submits; see docs/plugin-authors.md.

export function setup(form, config, checkout) {
  const custom = form.querySelector("#amount-custom");
  const presets = [...form.querySelectorAll('input[name="preset"]')];
  const options = [...form.querySelectorAll('input[name="gift_option"]')];
  const optionError = form.querySelector("#gift-option-error");

  function amount() {
    if (custom.value.trim()) return checkout.parseAmount(custom.value);
    const preset = presets.find((p) => p.checked);
    return preset ? Number(preset.value) : null;
  }

  const chosenOption = () => options.find((o) => o.checked && o.value) || null;

  function clearOptionError() {
    if (optionError) optionError.hidden = true;
  }

  function update() {
    checkout.setTotal(amount());
  }

  custom.addEventListener("input", () => {
    if (custom.value.trim()) presets.forEach((p) => (p.checked = false));
    checkout.clearFieldError(custom);
    clearOptionError();
    update();
  });
  presets.forEach((p) => p.addEventListener("change", () => {
    custom.value = "";
    checkout.clearFieldError(custom);
    clearOptionError();
    update();
  }));
  options.forEach((o) => o.addEventListener("change", clearOptionError));
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
      } else {
        value = amount();
      }
      if (value === null || value <= 0) {
        throw checkout.fieldError(custom, checkout.text("amount_required"));
      }
      const typeObject = { campaign_id: config.campaign_id };
      const option = chosenOption();
      if (option) {
        const minimum = Number(option.dataset.minAmount);
        if (value < minimum) {
          throw checkout.fieldError(
            option, checkout.text("below_gift_option", { amount: checkout.formatAmount(minimum) }),
          );
        }
        typeObject.gift_option_id = option.value;
      }
      return { amount: value, payment_type: "campaign_gift", type_object: typeObject };
    },
  };
}
