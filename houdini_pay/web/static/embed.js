// houdini-pay's embed script. On a nonprofit's own site:
//
//   <script src="https://pay.example.org/embed.js" defer></script>
//   <button type="button" data-houdini-pay="riverside">Donate</button>
//
// turns every element with data-houdini-pay into a button that opens the donation page
// (/donate/<slug or id>, or the path it names, such as "/events/gala") in an overlay: a
// modal dialog with a close button, Escape closes it (also while focus is in the page), and
// focus returns to the button. The nonprofit must allow its site to frame the page
// (houdini-pay pages configure --frame-ancestor https://its-site.example).
(() => {
  "use strict";
  const script = document.currentScript;
  const origin = new URL(script ? script.src : "/", window.location.href).origin;
  let open = null;

  function pageUrl(target) {
    const path = target.startsWith("/") ? target : "/donate/" + encodeURIComponent(target);
    const url = new URL(path, origin);
    const lang = document.documentElement.lang;
    if (lang) url.searchParams.set("lang", lang);
    return url.origin === origin ? url.href : null;
  }

  function style(element, properties) {
    // Set through the CSSOM: allowed under a Content-Security-Policy without inline styles.
    Object.assign(element.style, properties);
  }

  function close() {
    if (!open) return;
    const { dialog, opener } = open;
    open = null;
    dialog.close();
    dialog.remove();
    opener.focus();
  }

  function show(opener) {
    const url = pageUrl(opener.getAttribute("data-houdini-pay") || "");
    if (!url || open) return;
    const label = (opener.getAttribute("aria-label") || opener.textContent || "").trim();
    const dialog = document.createElement("dialog");
    dialog.setAttribute("aria-label", label || "Donate");
    dialog.className = "houdini-pay-overlay";
    style(dialog, {
      width: "min(640px, calc(100vw - 16px))",
      height: "min(920px, calc(100vh - 16px))",
      maxWidth: "none",
      maxHeight: "none",
      padding: "0",
      border: "0",
      borderRadius: "12px",
      overflow: "hidden",
      background: "#ffffff",
      boxShadow: "0 12px 48px rgba(0, 0, 0, 0.35)",
    });
    const button = document.createElement("button");
    button.type = "button";
    button.className = "houdini-pay-close";
    button.setAttribute("aria-label", opener.getAttribute("data-houdini-pay-close") || "Close");
    button.textContent = "\u00d7";
    style(button, {
      position: "absolute",
      top: "8px",
      right: "8px",
      width: "44px",
      height: "44px",
      border: "1px solid #6b7585",
      borderRadius: "22px",
      background: "#ffffff",
      color: "#1c2430",
      font: "28px/1 system-ui, sans-serif",
      cursor: "pointer",
    });
    button.addEventListener("click", close);
    const frame = document.createElement("iframe");
    frame.src = url;
    frame.title = label || "Donate";
    frame.setAttribute("allow", "payment");
    style(frame, { width: "100%", height: "100%", border: "0", display: "block" });
    dialog.append(button, frame);
    // Escape (pressed outside the frame): close, and return focus to the opener.
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close();
    });
    document.body.append(dialog);
    open = { dialog, opener, frame };
    // A modal dialog: the rest of the page is inert, so focus stays in here.
    dialog.showModal();
    button.focus();
  }

  // Escape pressed inside the frame: the donor page asks (framed.js).
  window.addEventListener("message", (event) => {
    if (!open || event.origin !== origin || event.source !== open.frame.contentWindow) return;
    if (event.data && event.data.houdiniPay === "close") close();
  });

  document.addEventListener("click", (event) => {
    const opener = event.target instanceof Element && event.target.closest("[data-houdini-pay]");
    if (!opener) return;
    event.preventDefault();
    show(opener);
  });
})();
