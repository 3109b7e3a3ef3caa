// The Stripe payment form: a Stripe.js card Element made into a payment method, then
// charged through houdini-pay's payment API with one PaymentIntent (one 3-D Secure at
// most). See docs/plugin-authors.md for `checkout`.

const scripts = new Map();

function loadScript(url) {
  if (!scripts.has(url)) {
    scripts.set(url, new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`Stripe.js could not be loaded from ${url}`));
      document.head.append(script);
    }));
  }
  return scripts.get(url);
}

export async function mount(root, config, checkout) {
  await loadScript(config.js_url);
  const options = config.stripe_account ? { stripeAccount: config.stripe_account } : undefined;
  const stripe = window.Stripe(config.publishable_key, options);
  const box = root.querySelector("[data-card]");
  const card = stripe.elements().create("card", {
    style: { base: { fontSize: "16px", color: "#1c2430" }, invalid: { color: "#b42318" } },
  });
  card.mount(box);
  card.on("change", (event) => {
    if (event && event.error) checkout.showFieldError(box, event.error.message);
    else checkout.clearFieldError(box);
  });

  const focusCard = () => {
    if (typeof card.focus === "function") card.focus();
    else box.querySelector("input")?.focus();
  };
  const cardError = (message) => checkout.fieldError(box, message, focusCard);

  return {
    async pay(purchase) {
      // The card becomes a payment method without any authentication; the bank's 3-D
      // Secure, if it asks, comes once, for the PaymentIntent that charges it.
      const { name, email } = checkout.donor;
      const created = await stripe.createPaymentMethod({
        type: "card",
        card,
        billing_details: { name, email },
      });
      if (!created || created.error) {
        throw cardError(created?.error?.message || checkout.text("card_not_saved"));
      }
      await checkout.createSource({ payment_method: created.paymentMethod.id });

      const repeats = Boolean(purchase && purchase.type_object && purchase.type_object.interval);
      let outcome = await checkout.pay({ repeats });
      if (outcome.status === "requires_action") {
        checkout.setStatus(checkout.text("bank_confirm"));
        const action = outcome.next_action;
        const confirmed = await stripe.confirmCardPayment(action.client_secret);
        if (confirmed.error) throw cardError(confirmed.error.message);
        if (!["succeeded", "processing"].includes(confirmed.paymentIntent?.status)) {
          throw cardError(checkout.text("bank_declined"));
        }
        outcome = await checkout.waitForOutcome();
      }
      if (outcome.status === "failed") {
        throw cardError(outcome.error ? outcome.error.message : checkout.text("card_declined"));
      }
      return outcome;
    },

    async save() {
      // A new card for a recurring gift (its manage page), in Stripe's order: a SetupIntent
      // from the server, confirmed here with the card (the bank's 3-D Secure, if it asks,
      // comes here, once), then named to the server, which reads it back from Stripe.
      const started = await checkout.saveCard({ start: true });
      const { client_secret: secret, setup } = started.next_action;
      const confirmed = await stripe.confirmCardSetup(secret, {
        payment_method: { card, billing_details: { name: checkout.donor.name } },
      });
      if (!confirmed || confirmed.error) {
        throw cardError(confirmed?.error?.message || checkout.text("card_not_saved"));
      }
      const outcome = await checkout.saveCard({ setup });
      if (outcome.status !== "succeeded") throw cardError(checkout.text("card_not_saved"));
      return outcome;
    },
  };
}
