// The offsite payment form: the donor picks bank transfer or check; the server adds the
// reference and records the payment pending approval. See docs/plugin-authors.md.

export function mount(root, config, checkout) {
  return {
    async pay() {
      const chosen = root.querySelector('input[name="offsite_method"]:checked');
      return checkout.pay({ method: chosen.value });
    },
  };
}
