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
  const coverField = form.querySelector("#cover-fee-field");
  const coverBox = form.querySelector("#cover-fee");
  const coverLabel = form.querySelector("#cover-fee-label");
  let method = null;

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

  // What covering the chosen processor's fee adds to a one-time gift, or null: the same
  // integer arithmetic as FeeRule.cover on the server, which checks it.
  function coveredFee(gift) {
    const rule = (config.fees || {})[method && method.processor];
    if (!rule || !gift || gift <= 0 || frequency() !== "once") return null;
    const whole = 10000n;
    const numerator = BigInt(gift + rule.fixed) * whole;
    const denominator = whole - BigInt(rule.basis_points);
    const total = (numerator + denominator - 1n) / denominator;
    const fee = Number(total) - gift;
    return fee > 0 ? fee : null;
  }

  function update() {
    const value = amount();
    const fee = coveredFee(value);
    coverField.hidden = fee === null;
    if (fee !== null) {
      coverLabel.textContent = checkout.text("cover_fee", { fee: checkout.formatAmount(fee) });
    }
    checkout.setTotal(value && fee !== null && coverBox.checked ? value + fee : value);
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
  coverBox.addEventListener("change", update);

  // A processor that cannot charge without the donor (a bank transfer) takes one-time gifts.
  checkout.onMethodChange((chosen) => {
    method = chosen;
    if (!frequencies.length) {
      update();
      return;
    }
    const repeats = Boolean(chosen && chosen.off_session);
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
        const fee = coveredFee(value);
        if (fee !== null && coverBox.checked) {
          typeObject.cover_fee = true;
          typeObject.fee_covered = fee;
          return { amount: value + fee, payment_type: "donation", type_object: typeObject };
        }
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
