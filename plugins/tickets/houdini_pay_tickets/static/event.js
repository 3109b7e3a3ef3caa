// The event page's part of the checkout: how many seats of each ticket level.
// checkout.js calls purchase() when the buyer submits; see docs/plugin-authors.md.

export function setup(form, config, checkout) {
  const selects = [...form.querySelectorAll('select[name="quantity"]')];
  const errorAnchor = selects.find((s) => !s.disabled) || selects[0];

  const chosen = () => selects
    .filter((s) => !s.disabled && Number(s.value) > 0)
    .map((s) => ({ level: s.dataset.level, quantity: Number(s.value), amount: Number(s.dataset.amount) }));

  const total = () => chosen().reduce((sum, line) => sum + line.amount * line.quantity, 0);

  for (const select of selects) {
    select.addEventListener("change", () => {
      const slot = document.getElementById("tickets-error");
      slot.hidden = true;
      checkout.setTotal(total());
    });
  }
  checkout.setTotal(total());

  return {
    purchase() {
      const lines = chosen();
      if (!lines.length) {
        throw checkout.fieldError(errorAnchor || form, checkout.text("tickets_required"), () => errorAnchor?.focus());
      }
      return {
        amount: total(),
        payment_type: "ticket",
        type_object: {
          lines: lines.map((line) => ({ ticket_level_id: line.level, quantity: line.quantity })),
        },
      };
    },
  };
}
