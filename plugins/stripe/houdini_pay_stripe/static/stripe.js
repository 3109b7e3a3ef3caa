// The Stripe payment form: a Stripe.js card Element, saved through a SetupIntent, then
// charged through houdini-pay's payment API. See docs/plugin-authors.md for `checkout`.

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
    async pay() {
      const { client_secret: setupSecret } = await checkout.prepare();
      const { name, email } = checkout.donor;
      const setup = await stripe.confirmCardSetup(setupSecret, {
        payment_method: { card, billing_details: { name, email } },
      });
      if (setup.error) throw cardError(setup.error.message || "Your card could not be saved.");
      await checkout.createSource({ payment_method: setup.setupIntent.payment_method });

      let outcome = await checkout.pay({});
      if (outcome.status === "requires_action") {
        checkout.setStatus("Your bank asks you to confirm this payment…");
        const action = outcome.next_action;
        const confirmed = await stripe.confirmCardPayment(action.client_secret);
        if (confirmed.error) throw cardError(confirmed.error.message);
        if (!["succeeded", "processing"].includes(confirmed.paymentIntent?.status)) {
          throw cardError("Your bank did not confirm the payment. Nothing was charged.");
        }
        outcome = await checkout.waitForOutcome();
      }
      if (outcome.status === "failed") {
        throw cardError(outcome.error ? outcome.error.message : "Your card was declined.");
      }
      return outcome;
    },
  };
}
